"""reporting: events (see DESIGN.md §2)."""
