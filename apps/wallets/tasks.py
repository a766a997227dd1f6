"""wallets: tasks (see DESIGN.md §2)."""
