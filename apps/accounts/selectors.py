"""accounts: selectors (see DESIGN.md §2)."""
