"""wallets: admin (see DESIGN.md §2)."""
