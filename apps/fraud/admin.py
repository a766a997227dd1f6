"""fraud: admin (see DESIGN.md §2)."""
