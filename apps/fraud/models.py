"""fraud: models (see DESIGN.md §2)."""
