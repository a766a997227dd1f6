"""payments: admin (see DESIGN.md §2)."""
