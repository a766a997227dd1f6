from __future__ import annotations

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from tests.bankcore.ledger.conftest import eur, key, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(alice: int, bob: int) -> int:
    return ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(4_000), idempotency_key="paid")


class TestEntryReverse:
    def test_a_reversal_undoes_the_entry_and_points_at_it(self, alice: int, bob: int, paid: int) -> None:
        reversal = ledger.entry_reverse(entry_id=paid, reason="sent to the wrong person")
        assert ledger_read.balance(account_id=alice) == eur(10_000)
        assert ledger_read.balance(account_id=bob) == eur(0)
        view = ledger_read.entry_get(entry_id=reversal)
        assert (view.kind, view.reverses_id) == ("reversal", paid)
        assert view.metadata == {"reason": "sent to the wrong person"}
        assert ledger_read.entry_get(entry_id=paid).reversed_by_id == reversal
        assert ledger_read.reconcile().clean

    def test_reversing_again_with_the_same_key_returns_the_first_reversal(self, paid: int) -> None:
        first = ledger.entry_reverse(entry_id=paid, reason="duplicate")
        before = snapshot()
        assert ledger.entry_reverse(entry_id=paid, reason="duplicate") == first
        assert snapshot() == before

    def test_an_entry_is_reversed_once(self, paid: int) -> None:
        ledger.entry_reverse(entry_id=paid, reason="duplicate")
        before = snapshot()
        with pytest.raises(ledger.AlreadyReversed) as refused:
            ledger.entry_reverse(entry_id=paid, reason="again", idempotency_key=key())
        assert refused.value.code == "already_reversed"
        assert snapshot() == before

    def test_a_reversal_is_not_reversed(self, paid: int) -> None:
        reversal = ledger.entry_reverse(entry_id=paid, reason="duplicate")
        with pytest.raises(ledger.AlreadyReversed) as refused:
            ledger.entry_reverse(entry_id=reversal, reason="undo the undo")
        assert refused.value.code == "reversal_of_reversal"

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_reason_is_required(self, paid: int, reason: str) -> None:
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.entry_reverse(entry_id=paid, reason=reason)
        assert refused.value.code == "reason_required"

    @pytest.mark.parametrize("entry_id", [123_456, 2**70, "abc", None])
    def test_unknown_entry(self, entry_id: object) -> None:
        with pytest.raises(ledger.UnknownEntry) as refused:
            ledger.entry_reverse(entry_id=entry_id, reason="x")  # type: ignore[arg-type]
        assert refused.value.code == "unknown_entry"

    def test_a_reversal_respects_the_policy_of_the_account_it_takes_from(self, alice: int, bob: int, paid: int) -> None:
        carol = ledger.account_open(name="Carol", currency="EUR")
        ledger.transfer(from_account_id=bob, to_account_id=carol, amount=eur(4_000), idempotency_key=key())
        before = snapshot()
        with pytest.raises(ledger.InsufficientFunds):
            ledger.entry_reverse(entry_id=paid, reason="too late: Bob spent it")
        assert snapshot() == before
