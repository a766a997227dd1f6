"""hold_capture_batch: many captures in one transaction, each by hold_capture's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, Hold
from bankcore.money import Money

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def accounts() -> tuple[int, int]:
    funding = ledger.account_open(name="funding", currency="EUR", allow_negative=True)
    customer = ledger.account_open(name="customer", currency="EUR")
    settlement = ledger.account_open(name="settlement", currency="EUR", allow_negative=True)
    ledger.transfer(from_account_id=funding, to_account_id=customer, amount=eur("30.00"), idempotency_key="fund")
    return customer, settlement


def hold(account_id: int, amount: str, key: str, *, expires: timedelta = timedelta(days=1)) -> int:
    return ledger.hold_create(
        account_id=account_id, amount=eur(amount), idempotency_key=key, expires_at=NOW + expires, now=NOW
    )


def test_captures_spend_exactly_what_was_held_even_to_the_last_cent(accounts: tuple[int, int]) -> None:
    customer, settlement = accounts
    holds = [hold(customer, "10.00", f"h{n}") for n in range(3)]  # every cent of the balance is held
    results = ledger.hold_capture_batch(captures=[(h, settlement, f"c{h}", "settle") for h in holds], now=NOW)
    assert [r.posted for r in results] == [True, True, True]
    assert ledger_read.balance(account_id=customer) == Money.zero("EUR")
    assert ledger_read.available_balance(account_id=customer) == Money.zero("EUR")
    assert set(Hold.objects.values_list("status", flat=True)) == {"captured"}
    assert Entry.objects.filter(kind=Entry.Kind.HOLD_CAPTURE).count() == 3
    assert Hold.objects.get(pk=holds[0]).history.count() == 2  # type: ignore[attr-defined]


def test_the_same_keys_again_return_the_first_entries(accounts: tuple[int, int]) -> None:
    customer, settlement = accounts
    h = hold(customer, "5.00", "h")
    first = ledger.hold_capture_batch(captures=[(h, settlement, "c", "settle")], now=NOW)
    again = ledger.hold_capture_batch(captures=[(h, settlement, "c", "settle")], now=NOW)
    assert again[0].replayed is True
    assert again[0].entry_id == first[0].entry_id
    assert ledger_read.balance(account_id=customer) == eur("25.00")


def test_a_refused_capture_leaves_the_others_done(accounts: tuple[int, int]) -> None:
    customer, settlement = accounts
    good = hold(customer, "5.00", "good")
    gone = hold(customer, "5.00", "gone")
    ledger.hold_release(hold_id=gone, now=NOW)
    expired = hold(customer, "5.00", "old", expires=timedelta(minutes=1))
    results = ledger.hold_capture_batch(
        captures=[(good, settlement, "c1", ""), (gone, settlement, "c2", ""), (expired, settlement, "c3", "")],
        now=NOW + timedelta(minutes=5),
    )
    assert [(r.posted, r.code) for r in results] == [(True, ""), (False, "hold_not_active"), (False, "hold_not_active")]
    assert ledger_read.balance(account_id=customer) == eur("25.00")
    assert ledger_read.available_balance(account_id=customer) == eur(
        "20.00"
    )  # the expired hold still counts until expired


def test_a_key_used_for_another_hold_is_refused(accounts: tuple[int, int]) -> None:
    customer, settlement = accounts
    one, two = hold(customer, "1.00", "one"), hold(customer, "1.00", "two")
    ledger.hold_capture_batch(captures=[(one, settlement, "k", "")], now=NOW)
    (result,) = ledger.hold_capture_batch(captures=[(two, settlement, "k", "")], now=NOW)
    assert (result.posted, result.code) == (False, "idempotency_conflict")
    assert Hold.objects.get(pk=two).status == "active"
