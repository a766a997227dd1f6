"""fraud: tasks (see DESIGN.md §2)."""
