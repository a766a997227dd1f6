"""`make bench`: measurements printed as one JSON object per line (DESIGN.md §5)."""
