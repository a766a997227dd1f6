"""reporting: interface (see DESIGN.md §2)."""
