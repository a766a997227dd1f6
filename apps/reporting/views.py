"""reporting: views (see DESIGN.md §2)."""
