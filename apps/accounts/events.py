"""accounts: events (see DESIGN.md §2)."""
