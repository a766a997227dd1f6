"""payments: services (see DESIGN.md §2)."""
