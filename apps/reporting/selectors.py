"""reporting: selectors (see DESIGN.md §2)."""
