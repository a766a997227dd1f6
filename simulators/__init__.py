"""The outside world for demos and tests (DESIGN.md §1): they import nothing of bankcore or apps."""
