"""kyc: services (see DESIGN.md §2)."""
