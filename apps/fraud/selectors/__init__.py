"""Reads of the fraud app, one module per subdomain.

``sanctions`` (the in-memory screening index and screening itself), ``velocity`` (windows over the
aggregates), ``rules`` (the compiled live rule set), ``decisions`` (everything a decision reads,
in one statement) and ``alerts`` (report drafts).
"""
