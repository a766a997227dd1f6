"""Velocity aggregates: counts and sums per party and time bucket, kept up to date by increments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from apps.fraud.features import is_near_limit
from apps.fraud.models import CustomerCountry, VelocityBucket

Grain = VelocityBucket.Grain
Scope = VelocityBucket.Scope
_GRAINS = tuple(Grain.values)


def _bucket_start(at: datetime, grain: str) -> datetime:
    if grain == Grain.FIVE_MINUTES:
        return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)
    if grain == Grain.HOUR:
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def velocity_record(
    *, customer_id: int, counterparty_key: str, country: str, amount_minor: int, currency: str, at: datetime
) -> None:
    """Add one transaction to its customer's and counterparty's buckets (increments, no scan).

    One upsert statement (INSERT ... ON CONFLICT DO UPDATE, on SQLite and Postgres alike): safe
    under concurrency without a read first, and cheap enough for the payment path.
    """
    velocity_record_many(
        moves=[(customer_id, counterparty_key, amount_minor, currency)], countries={(customer_id, country)}, at=at
    )


def velocity_record_many(
    *, moves: list[tuple[int, str, int, str]], countries: set[tuple[int, str]], at: datetime
) -> None:
    """``velocity_record`` for many ``(customer_id, counterparty_key, amount_minor, currency)`` at ``at``.

    The increments of each bucket are added up first: one upsert for all of them, one insert for
    the new ``(customer_id, country)`` pairs (a pair with an empty country is skipped).
    """
    adapt = connection.ops.adapt_datetimefield_value
    buckets: dict[tuple[str, str, str], list[int]] = {}
    for customer_id, counterparty_key, amount_minor, currency in moves:
        near = int(is_near_limit(amount_minor))
        keys = [(Scope.CUSTOMER.value, str(customer_id))]
        if counterparty_key:
            keys.append((Scope.COUNTERPARTY.value, counterparty_key))
        for scope, key in keys:
            total = buckets.setdefault((scope, key, currency), [0, 0, 0])
            total[0], total[1], total[2] = total[0] + 1, total[1] + amount_minor, total[2] + near
    rows: list[Any] = []
    for (scope, key, currency), (count, sum_minor, near) in buckets.items():
        for grain in _GRAINS:
            rows += [scope, key, currency, grain, adapt(_bucket_start(at, grain)), count, sum_minor, near]
    table = VelocityBucket._meta.db_table
    with connection.cursor() as cursor:
        if rows:
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * (len(rows) // 8))
            cursor.execute(
                f"INSERT INTO {table} (scope, key, currency, grain, start_at, count, sum_minor, near_limit_count) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (scope, key, currency, grain, start_at) DO UPDATE SET "
                f"count = {table}.count + excluded.count, sum_minor = {table}.sum_minor + excluded.sum_minor, "
                f"near_limit_count = {table}.near_limit_count + excluded.near_limit_count",
                rows,
            )
        pairs = sorted((customer_id, country) for customer_id, country in countries if country)
        if pairs:
            cursor.execute(
                f"INSERT INTO {CustomerCountry._meta.db_table} (customer_id, country, first_at) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s)'] * len(pairs))} ON CONFLICT (customer_id, country) DO NOTHING",
                [value for customer_id, country in pairs for value in (customer_id, country, adapt(at))],
            )


def buckets_prune(*, now: datetime) -> int:
    """Delete buckets older than any window reads (keeps the aggregate table small)."""
    short = [Grain.FIVE_MINUTES, Grain.HOUR]
    deleted, _ = VelocityBucket.objects.filter(grain__in=short, start_at__lt=now - timedelta(days=2)).delete()
    old, _ = VelocityBucket.objects.filter(grain=Grain.DAY, start_at__lt=now - timedelta(days=31)).delete()
    return deleted + old
