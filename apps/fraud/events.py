"""fraud: events (see DESIGN.md §2)."""
