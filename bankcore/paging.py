"""Keyset pages, newest first, for every list the partner API and the portal page through.

Keyed on the id alone: ids grow with creation, so the order is newest first, and a page never
repeats or skips a row that is added while a client pages. ``next_before`` is the one number the
API's cursor carries (``bankcore.api.cursors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first; ``next_before`` is where the next page starts (None: the last)."""

    items: list[T]
    next_before: int | None


def keyset_page(rows: QuerySet[M], *, before: int | None, limit: int) -> Page[M]:
    """The ``limit`` newest of ``rows`` older than ``before`` (all of them when None)."""
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(rows.order_by("-pk")[: limit + 1])
    items = found[:limit]
    return Page(items=items, next_before=items[-1].pk if len(found) > limit else None)
