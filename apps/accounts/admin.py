"""accounts: admin (see DESIGN.md §2)."""
