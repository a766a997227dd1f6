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
    near = int(is_near_limit(amount_minor))
    adapt = connection.ops.adapt_datetimefield_value
    keys = [(Scope.CUSTOMER.value, str(customer_id))]
    if counterparty_key:
        keys.append((Scope.COUNTERPARTY.value, counterparty_key))
    rows: list[Any] = []
    for scope, key in keys:
        for grain in _GRAINS:
            rows += [scope, key, currency, grain, adapt(_bucket_start(at, grain)), 1, amount_minor, near]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * (len(rows) // 8))
    table = VelocityBucket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, currency, grain, start_at, count, sum_minor, near_limit_count) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (scope, key, currency, grain, start_at) DO UPDATE SET "
            f"count = {table}.count + excluded.count, sum_minor = {table}.sum_minor + excluded.sum_minor, "
            f"near_limit_count = {table}.near_limit_count + excluded.near_limit_count",
            rows,
        )
        if country:
            cursor.execute(
                f"INSERT INTO {CustomerCountry._meta.db_table} (customer_id, country, first_at) "  # noqa: S608
                "VALUES (%s, %s, %s) ON CONFLICT (customer_id, country) DO NOTHING",
                [customer_id, country, adapt(at)],
            )


def buckets_prune(*, now: datetime) -> int:
    """Delete buckets older than any window reads (keeps the aggregate table small)."""
    short = [Grain.FIVE_MINUTES, Grain.HOUR]
    deleted, _ = VelocityBucket.objects.filter(grain__in=short, start_at__lt=now - timedelta(days=2)).delete()
    old, _ = VelocityBucket.objects.filter(grain=Grain.DAY, start_at__lt=now - timedelta(days=31)).delete()
    return deleted + old
