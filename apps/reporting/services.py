"""reporting: services (see DESIGN.md §2)."""
