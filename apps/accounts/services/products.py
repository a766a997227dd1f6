"""Products and their dated rates: a rate change is a new row from a date, never an edit of the past."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from apps.accounts import defaults
from apps.accounts.errors import ProductRefused
from apps.accounts.models import Product, ProductRate, ProductRateTier


def products_defaults_ensure() -> int:
    """Create the starting products that are missing (an edited product is left as it is)."""
    return defaults.ensure(Product, ProductRate, ProductRateTier)


def bank_today(*, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.BANK_TIME_ZONE)).date()


@transaction.atomic
def product_rate_set(
    *,
    product_id: int,
    effective_from: date,
    credit_tiers: Sequence[tuple[int, Decimal]],
    debit_annual_rate: Decimal,
    now: datetime,
) -> int:
    """Give a product new rates from ``effective_from`` (today or later); returns the rate row's id.

    The rates of any day already begun are kept: a date in the past is refused (``rate_in_past``),
    and a row for today or later may be replaced by the same call again before its day begins.
    ``credit_tiers`` are ``(from_balance_minor, annual_rate)`` pairs, the first from 0.
    """
    today = bank_today(now=now)
    if effective_from < today:
        raise ProductRefused("A rate change takes effect today or later, never in the past.", code="rate_in_past")
    tiers = sorted(credit_tiers)
    if not tiers or tiers[0][0] != 0 or len({t[0] for t in tiers}) != len(tiers):
        raise ProductRefused("Credit tiers start at a balance of 0 and each starts once.", code="invalid_tiers")
    for _, annual in [*tiers, (0, debit_annual_rate)]:
        if not isinstance(annual, Decimal) or not Decimal(0) <= annual < Decimal(1):
            raise ProductRefused("Rates are decimal fractions a year, from 0 up to 1.", code="invalid_tiers")
    product = Product.objects.select_for_update().get(pk=product_id)
    existing = ProductRate.objects.filter(product=product, effective_from=effective_from).first()
    if existing is not None and effective_from <= today:
        raise ProductRefused("Today's rates are already in force; set them from tomorrow.", code="rate_in_past")
    if existing is not None:
        existing.tiers.all().delete()
        rate = existing
        rate.debit_annual_rate = debit_annual_rate
        rate.save(update_fields=["debit_annual_rate"])
    else:
        rate = ProductRate.objects.create(
            product=product, effective_from=effective_from, debit_annual_rate=debit_annual_rate, created_at=now
        )
    ProductRateTier.objects.bulk_create(
        ProductRateTier(rate=rate, from_balance_minor=start, annual_rate=annual) for start, annual in tiers
    )
    return rate.pk
