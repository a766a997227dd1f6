"""payments: models (see DESIGN.md §2)."""
