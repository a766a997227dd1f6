"""seed_demo for accounts: funded demo accounts with months of history, acme's million; twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts import demo
from apps.accounts.models import Account
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry, Posting
from bankcore.money import Money
from tests.apps.accounts.factories import verified_customer

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_funded_with_history_and_a_second_run_changes_nothing() -> None:
    alice = verified_customer(email="alice@bankcore.localhost")
    acme = verified_customer(email="acme@bankcore.localhost")
    lines = demo.seed()
    assert any("alice@bankcore.localhost" in line for line in lines)
    current = Account.objects.get(customer=alice, product__code="current")
    savings = Account.objects.get(customer=alice, product__code="savings")
    business = Account.objects.get(customer=acme, product__code="business-current", currency="EUR")
    for account in (current, savings):
        postings = Posting.objects.filter(account_id=account.ledger_account_id)
        assert postings.count() >= 3
        first = postings.order_by("created_at").first()
        assert first is not None
        assert (postings.order_by("-created_at").first().created_at - first.created_at).days >= 60  # type: ignore[union-attr]
        assert ledger_read.balance(account_id=account.ledger_account_id).minor > 0
    assert ledger_read.balance(account_id=business.ledger_account_id) >= Money.of("1000000.00", "EUR")
    entries = Entry.objects.count()
    demo.seed()
    assert Entry.objects.count() == entries
    assert Account.objects.count() == 3
    assert ledger_read.reconcile().clean


@pytest.mark.parametrize("email", demo.CUSTOMERS)
def test_the_everyday_history_never_goes_below_zero_whatever_day_it_starts(email: str) -> None:
    # The demo is seeded on any day of the year: its history starts 92 days before that.
    first = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    for offset in range(366):
        start = first + timedelta(days=offset)
        balance = 0
        for move in demo._everyday_history(email, start, start + timedelta(days=demo.HISTORY_DAYS - 1)):
            balance += move.amount_minor
            assert balance >= 0, (start.date(), move.at.date(), move.description)
