"""wallets: services (see DESIGN.md §2)."""
