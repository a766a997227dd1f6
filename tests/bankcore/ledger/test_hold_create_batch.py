"""hold_create_batch: many holds in one transaction, each by hold_create's rules, a refusal on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Hold
from bankcore.money import Money

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def request(account_id: int, amount: str, key: str) -> ledger.HoldRequest:
    return ledger.HoldRequest(account_id, eur(amount), key, NOW + timedelta(days=1), "payout")


def test_each_hold_sees_the_ones_before_it_and_a_replay_returns_the_first() -> None:
    funding = ledger.account_open(name="funding", currency="EUR", allow_negative=True)
    customer = ledger.account_open(name="customer", currency="EUR")
    ledger.transfer(from_account_id=funding, to_account_id=customer, amount=eur("30.00"), idempotency_key="fund")
    asked = [request(customer, "20.00", "h1"), request(customer, "20.00", "h2"), request(customer, "10.00", "h3")]
    results = ledger.hold_create_batch(holds=asked, now=NOW)
    assert [(r.made, r.code) for r in results] == [(True, ""), (False, "insufficient_funds"), (True, "")]
    assert ledger_read.available_balance(account_id=customer) == Money.zero("EUR")
    again = ledger.hold_create_batch(holds=[asked[0], request(customer, "5.00", "h3")], now=NOW)
    assert again[0].hold_id == results[0].hold_id
    assert (again[1].made, again[1].code) == (False, "idempotency_conflict")
    assert Hold.objects.count() == 2
