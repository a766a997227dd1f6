"""Reads of KYC: a customer's standing, the limit that applies, the usage counted so far.

``limits_inputs`` is on every payment's path: it is one hand-written statement (an ORM query
spends more time being compiled than being answered; see bench/kyc.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from apps.kyc.models import CustomerKyc, Limit, Tier, UsageBucket

_STATUS = CustomerKyc._meta.db_table
_TIER = Tier._meta.db_table
_LIMIT = Limit._meta.db_table
_BUCKET = UsageBucket._meta.db_table


@dataclass(frozen=True)
class Standing:
    tier: int
    tier_name: str
    moves_money: bool
    risk_rating: str
    restricted: bool


@dataclass(frozen=True)
class LimitRow:
    kind: str
    per_transaction_minor: int | None
    per_day_minor: int | None
    per_month_minor: int | None
    held_minor: int | None


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def bank_day(*, now: datetime) -> date:
    """The booking day of ``now`` in BANK_TIME_ZONE (a day and month window start there, not in UTC)."""
    return now.astimezone(_zone(settings.BANK_TIME_ZONE)).date()


def status_get(*, customer_id: int) -> CustomerKyc | None:
    return CustomerKyc.objects.select_related("tier").filter(customer_id=customer_id).first()


def tier_get(*, level: int) -> Tier:
    return Tier.objects.get(level=level)


def limits_inputs(
    *, customer_id: int, kinds: list[str], day: date
) -> tuple[Standing, dict[str, LimitRow], dict[tuple[str, str], int]]:
    """All a limit decision reads, in one statement: the customer's standing (tier 0 if KYC has
    never seen them), the limits of ``kinds`` at their tier (the rating's own row before the
    tier's general one), and the EUR minor units used per (kind, period) in ``day``'s buckets.

    A kind with no limit row is absent from the limits; a bucket never written is absent (zero).
    """
    marks = ", ".join(["%s"] * len(kinds))
    sql = f"""
        WITH s AS (
            SELECT t.level, t.name, t.moves_money, COALESCE(c.risk_rating, '') AS rating,
                   COALESCE(c.restricted, FALSE) AS restricted
            FROM {_TIER} t LEFT JOIN {_STATUS} c ON c.customer_id = %s
            WHERE t.level = COALESCE(c.tier_id, 0)
        )
        SELECT 'S', s.name, s.rating, s.level, CASE WHEN s.moves_money THEN 1 ELSE 0 END,
               CASE WHEN s.restricted THEN 1 ELSE 0 END, NULL
        FROM s
        UNION ALL
        SELECT 'L', l.kind, l.risk_rating, l.per_transaction_minor, l.per_day_minor, l.per_month_minor, l.held_minor
        FROM {_LIMIT} l JOIN s ON l.tier_id = s.level AND l.risk_rating IN (s.rating, '')
        WHERE l.kind IN ({marks})
        UNION ALL
        SELECT 'U', b.kind, b.period, b.used_minor, NULL, NULL, NULL
        FROM {_BUCKET} b WHERE b.customer_id = %s AND b.kind IN ({marks})
          AND ((b.period = 'day' AND b.starts_on = %s) OR (b.period = 'month' AND b.starts_on = %s))
    """  # noqa: S608 - table names are ours; every value is a parameter
    params: list[int | str | date] = [customer_id, *kinds, customer_id, *kinds, day, day.replace(day=1)]
    standing: Standing | None = None
    limits: dict[str, LimitRow] = {}
    usage: dict[tuple[str, str], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for source, text, tag, first, second, third, fourth in cursor.fetchall():
            if source == "S":
                standing = Standing(
                    tier=int(first), tier_name=text, moves_money=bool(second), risk_rating=tag, restricted=bool(third)
                )
            elif source == "U":
                usage[(text, tag)] = int(first)
            elif text not in limits or tag:  # the rating's own row wins
                limits[text] = LimitRow(text, first, second, third, fourth)
    if standing is None:
        raise Tier.DoesNotExist("tier 0 is missing: run migrations (apps/kyc/defaults.py)")
    return standing, limits, usage
