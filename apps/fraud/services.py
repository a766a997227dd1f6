"""fraud: services (see DESIGN.md §2)."""
