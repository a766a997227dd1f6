from __future__ import annotations

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Posting
from bankcore.ledger.values import Leg
from bankcore.money import Money
from tests.bankcore.ledger.conftest import eur, key, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def fees() -> int:
    return ledger.account_open(name="Fee income", currency="EUR", kind="internal")


class TestPostEntry:
    def test_a_payment_with_a_fee_is_one_balanced_entry(self, alice: int, bob: int, fees: int) -> None:
        entry_id = ledger.post_entry(
            legs=[Leg.debit(alice, eur(1_050)), Leg.credit(bob, eur(1_000)), Leg.credit(fees, eur(50))],
            idempotency_key="pay-1",
            description="payment with fee",
            metadata={"payment_id": 7},
        )
        assert ledger_read.balance(account_id=alice) == eur(8_950)
        assert ledger_read.balance(account_id=bob) == eur(1_000)
        assert ledger_read.balance(account_id=fees) == eur(50)
        entry = ledger_read.entry_get(entry_id=entry_id)
        assert entry.metadata == {"payment_id": 7}
        assert sum(leg.amount.minor for leg in entry.legs) == 0

    def test_same_key_with_other_metadata_is_refused_and_same_metadata_replays(self, alice: int, bob: int) -> None:
        legs = [Leg.debit(alice, eur(100)), Leg.credit(bob, eur(100))]
        first = ledger.post_entry(legs=legs, idempotency_key="meta-1", metadata={"payment_id": 7, "batch": "a"})
        again = ledger.post_entry(legs=legs, idempotency_key="meta-1", metadata={"batch": "a", "payment_id": 7})
        assert again == first
        with pytest.raises(ledger.IdempotencyConflict):
            ledger.post_entry(legs=legs, idempotency_key="meta-1", metadata={"payment_id": 8, "batch": "a"})
        assert ledger_read.balance(account_id=bob) == eur(100)

    def test_two_legs_on_one_account_record_each_balance_after(self, alice: int, bob: int) -> None:
        entry_id = ledger.post_entry(
            legs=[Leg.debit(alice, eur(100)), Leg.debit(alice, eur(200)), Leg.credit(bob, eur(300))],
            idempotency_key=key(),
        )
        afters = list(
            Posting.objects.filter(entry_id=entry_id, account_id=alice)
            .order_by("id")
            .values_list("balance_after_minor", flat=True)
        )
        assert afters == [9_900, 9_700]

    def test_an_exchange_balances_in_each_currency(self, alice: int) -> None:
        usd_bank = ledger.account_open(name="USD settlement", currency="USD", allow_negative=True, kind="internal")
        usd_customer = ledger.account_open(name="Alice USD", currency="USD")
        fx_eur = ledger.account_open(name="FX position EUR", currency="EUR", kind="internal")
        ledger.post_entry(
            legs=[
                Leg.debit(alice, eur(1_000)),
                Leg.credit(fx_eur, eur(1_000)),
                Leg.debit(usd_bank, Money(1_080, "USD")),
                Leg.credit(usd_customer, Money(1_080, "USD")),
            ],
            idempotency_key=key(),
        )
        assert ledger_read.balance(account_id=usd_customer) == Money(1_080, "USD")
        assert ledger_read.reconcile().clean


class TestBadEntries:
    @pytest.mark.parametrize(
        ("legs", "code"),
        [
            ("unbalanced", "unbalanced"),
            ("mixed", "unbalanced"),
            ("one_leg", "unbalanced"),
            ("empty", "unbalanced"),
            ("zero_leg", "invalid_amount"),
            ("wrong_currency", "currency_mismatch"),
            ("overdrawn", "insufficient_funds"),
        ],
    )
    def test_refused_with_a_code_and_nothing_written(self, alice: int, bob: int, legs: str, code: str) -> None:
        cases = {
            "unbalanced": [Leg.debit(alice, eur(100)), Leg.credit(bob, eur(99))],
            "mixed": [Leg.debit(alice, eur(100)), Leg.credit(bob, Money(100, "USD"))],
            "one_leg": [Leg.debit(alice, eur(100))],
            "empty": [],
            "zero_leg": [Leg.debit(alice, eur(0)), Leg.credit(bob, eur(0))],
            "wrong_currency": [Leg.debit(alice, Money(100, "USD")), Leg.credit(bob, Money(100, "USD"))],
            "overdrawn": [Leg.debit(alice, eur(10_001)), Leg.credit(bob, eur(10_001))],
        }
        before = snapshot()
        with pytest.raises(ledger.LedgerError) as refused:
            ledger.post_entry(legs=cases[legs], idempotency_key=key())
        assert refused.value.code == code
        assert snapshot() == before

    @pytest.mark.parametrize("metadata", [{"at": object()}, {"n": float("nan")}, ["not", "a", "mapping"]])
    def test_metadata_that_is_not_a_json_object_is_refused(self, alice: int, bob: int, metadata: object) -> None:
        before = snapshot()
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.post_entry(
                legs=[Leg.debit(alice, eur(1)), Leg.credit(bob, eur(1))],
                idempotency_key=key(),
                metadata=metadata,  # type: ignore[arg-type]
            )
        assert refused.value.code == "invalid_metadata"
        assert snapshot() == before

    def test_reversals_are_made_only_by_entry_reverse(self, alice: int, bob: int) -> None:
        with pytest.raises(ledger.InvalidRequest):
            ledger.post_entry(
                legs=[Leg.debit(alice, eur(1)), Leg.credit(bob, eur(1))], idempotency_key=key(), kind="reversal"
            )
