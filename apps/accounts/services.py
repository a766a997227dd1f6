"""accounts: services (see DESIGN.md §2)."""
