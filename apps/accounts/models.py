"""accounts: models (see DESIGN.md §2)."""
