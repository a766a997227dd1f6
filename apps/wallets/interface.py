"""wallets: interface (see DESIGN.md §2)."""
