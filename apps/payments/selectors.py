"""payments: selectors (see DESIGN.md §2)."""
