"""kyc: views (see DESIGN.md §2)."""
