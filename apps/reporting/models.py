"""reporting: models (see DESIGN.md §2)."""
