from __future__ import annotations

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.values import TransferRequest
from tests.bankcore.ledger.conftest import eur

pytestmark = pytest.mark.django_db


class TestPostBatch:
    def test_running_a_batch_again_changes_nothing(self, alice: int, bob: int) -> None:
        batch = [TransferRequest(alice, bob, eur(100), f"r{n}") for n in range(5)]
        first = ledger.post_batch(transfers=batch)
        again = ledger.post_batch(transfers=batch)
        assert [r.entry_id for r in again] == [r.entry_id for r in first]
        assert all(r.replayed for r in again)
        assert ledger_read.balance(account_id=bob) == eur(500)

    def test_a_key_used_before_with_other_content_is_refused(self, alice: int, bob: int) -> None:
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="used")
        [result] = ledger.post_batch(transfers=[TransferRequest(alice, bob, eur(2), "used")])
        assert (result.posted, result.code) == (False, "idempotency_conflict")

    def test_an_empty_batch(self) -> None:
        assert ledger.post_batch(transfers=[]) == []


class TestPostBatchMetadata:
    META = {"reference": "Invoice 7", "end_to_end_id": "E2E-7"}

    def test_each_entry_keeps_its_own_metadata(self, alice: int, bob: int) -> None:
        batch = [TransferRequest(alice, bob, eur(100), "m1", "one"), TransferRequest(alice, bob, eur(5), "m2")]
        first, second = ledger.post_batch(transfers=batch, metadata={"m1": self.META})
        assert ledger_read.entry_get(entry_id=first.entry_id).metadata == self.META  # type: ignore[arg-type]
        assert ledger_read.entry_get(entry_id=second.entry_id).metadata == {}  # type: ignore[arg-type]

    def test_a_batch_and_a_single_transfer_of_one_request_are_one_entry(self, alice: int, bob: int) -> None:
        """The fingerprint has one shape: a single booking replays the batch's, and the other way round."""
        entry_id = ledger.transfer(
            from_account_id=alice, to_account_id=bob, amount=eur(3), idempotency_key="k", description="d",
            metadata=self.META,
        )  # fmt: skip
        [replayed] = ledger.post_batch(
            transfers=[TransferRequest(alice, bob, eur(3), "k", "d")], metadata={"k": self.META}
        )
        assert (replayed.posted, replayed.replayed, replayed.entry_id) == (True, True, entry_id)
        [batch] = ledger.post_batch(
            transfers=[TransferRequest(alice, bob, eur(4), "k2", "d")], metadata={"k2": self.META}
        )
        assert ledger.transfer(
            from_account_id=alice, to_account_id=bob, amount=eur(4), idempotency_key="k2", description="d",
            metadata=self.META,
        ) == batch.entry_id  # fmt: skip
        assert ledger_read.balance(account_id=bob) == eur(7)

    def test_other_metadata_under_a_used_key_is_refused(self, alice: int, bob: int) -> None:
        ledger.post_batch(transfers=[TransferRequest(alice, bob, eur(3), "k")], metadata={"k": self.META})
        [again] = ledger.post_batch(
            transfers=[TransferRequest(alice, bob, eur(3), "k")], metadata={"k": {**self.META, "reference": "other"}}
        )
        assert (again.posted, again.code) == (False, "idempotency_conflict")

    def test_metadata_that_is_no_json_object_refuses_its_transfer_only(self, alice: int, bob: int) -> None:
        bad, good = ledger.post_batch(
            transfers=[TransferRequest(alice, bob, eur(1), "bad"), TransferRequest(alice, bob, eur(1), "good")],
            metadata={"bad": {"x": float("nan")}},
        )
        assert (bad.posted, bad.code, good.posted) == (False, "invalid_metadata", True)
