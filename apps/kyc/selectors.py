"""kyc: selectors (see DESIGN.md §2)."""
