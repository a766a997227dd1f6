"""Pricing in euros: the latest rate in force, exact half-even rounding, stale or missing rates refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from bankcore.fx import demo, selectors
from bankcore.fx.errors import RateMissing, RateStale
from bankcore.fx.models import Rate
from bankcore.money import Money
from tests.bankcore.fx.factories import RateFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_euros_need_no_rate() -> None:
    assert selectors.money_to_eur(amount=Money(12345, "EUR"), now=NOW) == Money(12345, "EUR")


def test_a_euro_based_rate_is_divided() -> None:
    RateFactory(base="EUR", quote="USD", mid=Decimal("1.1594"))
    # 100.00 / 1.1594 = 86.2515...
    assert selectors.money_to_eur(amount=Money.of("100.00", "USD"), now=NOW) == Money(8625, "EUR")


def test_a_rate_into_euros_is_multiplied() -> None:
    RateFactory(base="GBP", quote="EUR", mid=Decimal("1.142857"))
    assert selectors.money_to_eur(amount=Money.of("10.00", "GBP"), now=NOW) == Money(1143, "EUR")


@pytest.mark.parametrize(("pence", "cents"), [(1, 2), (3, 4), (5, 8), (7, 10), (9, 14)])
def test_ties_round_half_to_even(pence: int, cents: int) -> None:
    # 1.5 EUR per GBP: 0.01 GBP is exactly 1.5 cents, 0.03 GBP exactly 4.5 cents.
    RateFactory(base="GBP", quote="EUR", mid=Decimal("1.5"))
    assert selectors.money_to_eur(amount=Money(pence, "GBP"), now=NOW).minor == cents


def test_currencies_without_cents_and_with_thousandths() -> None:
    RateFactory(base="EUR", quote="JPY", mid=Decimal("160"))
    RateFactory(base="EUR", quote="KWD", mid=Decimal("0.3"))
    assert selectors.money_to_eur(amount=Money(1000, "JPY"), now=NOW) == Money(625, "EUR")
    assert selectors.money_to_eur(amount=Money(1, "JPY"), now=NOW) == Money(1, "EUR")  # 0.625 cent
    assert selectors.money_to_eur(amount=Money(3, "KWD"), now=NOW) == Money(1, "EUR")  # 0.003 / 0.3 = 1 cent


def test_a_huge_amount_stays_exact() -> None:
    RateFactory(base="EUR", quote="HKD", mid=Decimal("9.0221"))
    amount = Money(9_022_100_000_000_000, "HKD")
    assert selectors.money_to_eur(amount=amount, now=NOW) == Money(1_000_000_000_000_000, "EUR")


def test_the_latest_rate_in_force_is_used_either_way_round() -> None:
    RateFactory(base="EUR", quote="USD", mid=Decimal("2"), as_of=NOW - timedelta(days=2))
    RateFactory(base="USD", quote="EUR", mid=Decimal("0.25"), as_of=NOW - timedelta(hours=1))
    RateFactory(base="EUR", quote="USD", mid=Decimal("10"), as_of=NOW + timedelta(hours=1))  # not yet in force
    conversion = selectors.money_convert(amount=Money.of("100", "USD"), to="EUR", now=NOW)
    assert conversion.converted == Money.of("25", "EUR")
    assert conversion.as_of == NOW - timedelta(hours=1)


def test_a_missing_rate_refuses() -> None:
    with pytest.raises(RateMissing) as refused:
        selectors.money_to_eur(amount=Money(100, "CHF"), now=NOW)
    assert refused.value.code == "fx_rate_missing"


def test_a_stale_rate_refuses_after_the_limit() -> None:
    RateFactory(base="EUR", quote="USD", as_of=NOW - timedelta(hours=96))
    assert selectors.money_to_eur(amount=Money(100, "USD"), now=NOW).currency == "EUR"
    with pytest.raises(RateStale) as refused:
        selectors.money_to_eur(amount=Money(100, "USD"), now=NOW + timedelta(seconds=1))
    assert refused.value.code == "fx_rate_stale"
    assert "EUR/USD" in str(refused.value)


@override_settings(FX_RATE_MAX_AGE_HOURS=1)
def test_the_staleness_limit_is_a_setting() -> None:
    RateFactory(base="EUR", quote="USD", as_of=NOW - timedelta(hours=2))
    with pytest.raises(RateStale):
        selectors.money_to_eur(amount=Money(100, "USD"), now=NOW)


def test_demo_rates_cover_the_demo_currencies_and_seed_twice_is_once() -> None:
    demo.seed()
    demo.seed()
    assert sorted(Rate.objects.values_list("quote", flat=True)) == ["GBP", "HKD", "USD"]
    from django.utils import timezone

    for currency in ("EUR", "GBP", "USD", "HKD"):
        assert selectors.money_to_eur(amount=Money(100, currency), now=timezone.now()).currency == "EUR"
