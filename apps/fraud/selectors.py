"""fraud: selectors (see DESIGN.md §2)."""
