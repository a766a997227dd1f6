"""fraud: interface (see DESIGN.md §2)."""
