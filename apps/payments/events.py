"""payments: events (see DESIGN.md §2)."""
