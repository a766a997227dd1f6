"""kyc: events (see DESIGN.md §2)."""
