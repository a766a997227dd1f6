"""kyc: admin (see DESIGN.md §2)."""
