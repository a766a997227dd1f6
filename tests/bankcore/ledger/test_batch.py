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
