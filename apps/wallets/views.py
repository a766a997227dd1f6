"""wallets: views (see DESIGN.md §2)."""
