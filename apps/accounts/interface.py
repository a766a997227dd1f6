"""accounts: interface (see DESIGN.md §2)."""
