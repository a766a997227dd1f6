"""wallets: models (see DESIGN.md §2)."""
