"""kyc: interface (see DESIGN.md §2)."""
