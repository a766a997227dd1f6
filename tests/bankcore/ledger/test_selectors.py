from __future__ import annotations

from datetime import timedelta

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Posting
from tests.bankcore.ledger.conftest import eur, key

pytestmark = pytest.mark.django_db


class TestBalances:
    def test_unknown_account(self) -> None:
        with pytest.raises(ledger.UnknownAccount):
            ledger_read.balance(account_id=404)
        with pytest.raises(ledger.UnknownAccount):
            ledger_read.available_balance(account_id=404)

    def test_balance_as_of_a_past_moment(self, alice: int, bob: int) -> None:
        first = ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(100), idempotency_key=key())
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(200), idempotency_key=key())
        first_at = Posting.objects.get(entry_id=first, account_id=bob).created_at
        assert ledger_read.balance_at(account_id=bob, at=first_at - timedelta(microseconds=1)) == eur(0)
        assert ledger_read.balance_at(account_id=bob, at=first_at) == eur(100)
        assert ledger_read.balance_at(account_id=bob, at=first_at + timedelta(days=1)) == eur(300)


class TestPostingList:
    def test_pages_go_from_newest_to_oldest_from_the_holders_side(self, alice: int, bob: int) -> None:
        for n in range(1, 6):
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(n), idempotency_key=f"p{n}")
        ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(15), idempotency_key="back")
        first = ledger_read.posting_list(account_id=bob, limit=4)
        assert [line.amount.minor for line in first.items] == [-15, 5, 4, 3]
        assert [line.balance_after.minor for line in first.items] == [0, 15, 10, 6]
        assert first.items[0].idempotency_key == "back"
        second = ledger_read.posting_list(account_id=bob, before=first.next_before, limit=4)
        assert [line.amount.minor for line in second.items] == [2, 1]
        assert second.next_before is None

    def test_an_exact_last_page_says_there_is_no_more(self, alice: int, bob: int) -> None:
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=key())
        page = ledger_read.posting_list(account_id=bob, limit=1)
        assert len(page.items) == 1
        assert page.next_before is None
