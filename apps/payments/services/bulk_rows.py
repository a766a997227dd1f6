"""Rewriting many loaded rows at once: one upsert per thousand rows instead of Django's CASE-per-field update."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models


def rows_rewrite(model: type[models.Model], rows: Sequence[models.Model], fields: list[str]) -> None:
    """Store ``fields`` of ``rows`` (complete instances that exist already) in a few statements.

    ``bulk_update`` builds a ``CASE WHEN id = … THEN …`` per field and row, which costs more in
    Python and in the planner than the rows themselves; ``INSERT … ON CONFLICT (id) DO UPDATE``
    with the rows as they are writes the same values in one statement per batch.
    """
    if rows:
        model._default_manager.bulk_create(
            rows, batch_size=1000, update_conflicts=True, unique_fields=["id"], update_fields=fields
        )
