"""fraud: views (see DESIGN.md §2)."""
