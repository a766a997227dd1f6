from __future__ import annotations

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from tests.bankcore.ledger.conftest import eur, key, snapshot

pytestmark = pytest.mark.django_db


class TestAccountOpen:
    def test_a_new_account_is_an_empty_open_customer_account(self) -> None:
        account_id = ledger.account_open(name="Alice", currency="EUR")
        view = ledger_read.account_get(account_id=account_id)
        assert (view.kind, view.normal_side, view.status) == ("customer", "credit", "open")
        assert view.balance == eur(0)
        assert view.available == eur(0)
        assert ledger_read.balance(account_id=account_id) == eur(0)

    @pytest.mark.parametrize(
        ("kwargs", "code"),
        [
            ({"name": "A", "currency": "XXX"}, "unknown_currency"),
            ({"name": "A", "currency": "eur"}, "unknown_currency"),
            ({"name": "", "currency": "EUR"}, "invalid_account"),
            ({"name": "A", "currency": "EUR", "overdraft_limit_minor": -1}, "invalid_policy"),
            ({"name": "A", "currency": "EUR", "overdraft_limit_minor": 2**63}, "invalid_policy"),
            ({"name": "A", "currency": "EUR", "kind": "pirate"}, "invalid_account"),
        ],
    )
    def test_bad_accounts_are_refused(self, kwargs: dict[str, object], code: str) -> None:
        with pytest.raises(ledger.InvalidAccount) as refused:
            ledger.account_open(**kwargs)  # type: ignore[arg-type]
        assert refused.value.code == code
        assert not LedgerAccount.objects.exists()


class TestFreezeAndClose:
    def test_a_frozen_account_neither_pays_nor_receives(self, alice: int, bob: int) -> None:
        ledger.account_freeze(account_id=alice)
        before = snapshot()
        with pytest.raises(ledger.AccountFrozen) as out:
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=key())
        with pytest.raises(ledger.AccountFrozen):
            ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(1), idempotency_key=key())
        assert out.value.code == "account_frozen"
        assert snapshot() == before

    def test_unfreezing_lets_money_move_again(self, alice: int, bob: int) -> None:
        ledger.account_freeze(account_id=alice)
        ledger.account_unfreeze(account_id=alice)
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(100), idempotency_key=key())
        assert ledger_read.balance(account_id=bob) == eur(100)

    def test_freezing_is_kept_in_the_account_history(self, alice: int) -> None:
        ledger.account_freeze(account_id=alice)
        statuses = list(LedgerAccount.history.filter(id=alice).order_by("history_id").values_list("status", flat=True))
        assert statuses == ["open", "frozen"]

    def test_an_account_with_money_cannot_be_closed(self, alice: int) -> None:
        with pytest.raises(ledger.AccountNotEmpty) as refused:
            ledger.account_close(account_id=alice)
        assert refused.value.code == "account_not_empty"
        assert ledger_read.account_get(account_id=alice).status == "open"

    def test_a_closed_account_refuses_postings_and_stays_closed(self, alice: int, bob: int) -> None:
        ledger.account_close(account_id=bob)
        with pytest.raises(ledger.AccountClosed) as refused:
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=key())
        assert refused.value.code == "account_closed"
        with pytest.raises(ledger.AccountClosed):
            ledger.account_freeze(account_id=bob)
        with pytest.raises(ledger.AccountClosed):
            ledger.account_unfreeze(account_id=bob)

    def test_unknown_account(self) -> None:
        with pytest.raises(ledger.UnknownAccount) as refused:
            ledger.account_freeze(account_id=999_999)
        assert refused.value.code == "unknown_account"
