"""kyc: models (see DESIGN.md §2)."""
