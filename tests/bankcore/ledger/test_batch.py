from __future__ import annotations

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry
from bankcore.ledger.values import TransferRequest
from bankcore.money import Money
from tests.bankcore.ledger.conftest import eur

pytestmark = pytest.mark.django_db


class TestPostBatch:
    def test_each_transfer_is_posted_or_refused_on_its_own(self, alice: int, bob: int) -> None:
        frozen = ledger.account_open(name="Frozen", currency="EUR")
        ledger.account_freeze(account_id=frozen)
        results = ledger.post_batch(
            transfers=[
                TransferRequest(alice, bob, eur(1_000), "b1"),
                TransferRequest(alice, bob, eur(50_000), "b2"),
                TransferRequest(alice, 999_999, eur(1), "b3"),
                TransferRequest(alice, frozen, eur(1), "b4"),
                TransferRequest(alice, bob, Money(1, "USD"), "b5"),
                TransferRequest(alice, bob, eur(0), "b6"),
                TransferRequest(alice, alice, eur(1), "b7"),
                TransferRequest(alice, bob, eur(2_000), "b8"),
            ]
        )
        assert [(r.idempotency_key, r.posted, r.code) for r in results] == [
            ("b1", True, ""),
            ("b2", False, "insufficient_funds"),
            ("b3", False, "unknown_account"),
            ("b4", False, "account_frozen"),
            ("b5", False, "currency_mismatch"),
            ("b6", False, "invalid_amount"),
            ("b7", False, "same_account"),
            ("b8", True, ""),
        ]
        assert ledger_read.balance(account_id=alice) == eur(7_000)
        assert ledger_read.balance(account_id=bob) == eur(3_000)
        refused = [r.idempotency_key for r in results if not r.posted]
        assert not Entry.objects.filter(idempotency_key__in=refused).exists()
        posted = {r.entry_id for r in results if r.posted}
        assert set(Entry.objects.filter(idempotency_key__in=["b1", "b8"]).values_list("id", flat=True)) == posted
        assert ledger_read.reconcile().clean

    def test_an_earlier_transfer_can_fund_a_later_one(self, alice: int, bob: int) -> None:
        carol = ledger.account_open(name="Carol", currency="EUR")
        results = ledger.post_batch(
            transfers=[TransferRequest(alice, bob, eur(500), "f1"), TransferRequest(bob, carol, eur(500), "f2")]
        )
        assert all(r.posted for r in results)
        assert ledger_read.balance(account_id=carol) == eur(500)

    def test_running_a_batch_again_changes_nothing(self, alice: int, bob: int) -> None:
        batch = [TransferRequest(alice, bob, eur(100), f"r{n}") for n in range(5)]
        first = ledger.post_batch(transfers=batch)
        again = ledger.post_batch(transfers=batch)
        assert [r.entry_id for r in again] == [r.entry_id for r in first]
        assert all(r.replayed for r in again)
        assert ledger_read.balance(account_id=bob) == eur(500)

    def test_a_key_twice_in_one_batch(self, alice: int, bob: int) -> None:
        results = ledger.post_batch(
            transfers=[
                TransferRequest(alice, bob, eur(100), "d"),
                TransferRequest(alice, bob, eur(100), "d"),
                TransferRequest(alice, bob, eur(999), "d"),
            ]
        )
        assert [(r.posted, r.code) for r in results] == [(True, ""), (True, ""), (False, "idempotency_conflict")]
        assert results[0].entry_id == results[1].entry_id
        assert ledger_read.balance(account_id=bob) == eur(100)

    def test_a_key_used_before_with_other_content_is_refused(self, alice: int, bob: int) -> None:
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="used")
        [result] = ledger.post_batch(transfers=[TransferRequest(alice, bob, eur(2), "used")])
        assert (result.posted, result.code) == (False, "idempotency_conflict")

    def test_an_empty_batch(self) -> None:
        assert ledger.post_batch(transfers=[]) == []
