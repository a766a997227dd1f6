"""payments: interface (see DESIGN.md §2)."""
