"""reporting: admin (see DESIGN.md §2)."""
