"""payments: views (see DESIGN.md §2)."""
