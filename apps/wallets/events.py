"""wallets: events (see DESIGN.md §2)."""
