"""wallets: selectors (see DESIGN.md §2)."""
