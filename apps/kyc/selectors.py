"""Reads of KYC: a customer's standing, the limit that applies, the usage counted so far."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from apps.kyc.models import CustomerKyc, Limit, Tier, UsageBucket


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


def limits_for(*, tier: int, risk_rating: str, kinds: list[str]) -> dict[str, Limit]:
    """``limit_for`` of several kinds in one query; a kind with no row is absent."""
    found: dict[str, Limit] = {}
    for row in Limit.objects.filter(tier_id=tier, kind__in=kinds, risk_rating__in={risk_rating, ""}):
        if row.kind not in found or row.risk_rating:
            found[row.kind] = row
    return found


def usage_for(*, customer_id: int, kinds: list[str], day: date) -> dict[tuple[str, str], int]:
    """EUR minor units used per (kind, period) in ``day``'s day and month buckets; absent is zero."""
    month = day.replace(day=1)
    windows = Q(period=UsageBucket.Period.DAY, starts_on=day) | Q(period=UsageBucket.Period.MONTH, starts_on=month)
    rows = UsageBucket.objects.filter(windows, customer_id=customer_id, kind__in=kinds)
    return {(kind, period): used for kind, period, used in rows.values_list("kind", "period", "used_minor")}
