"""accounts: views (see DESIGN.md §2)."""
