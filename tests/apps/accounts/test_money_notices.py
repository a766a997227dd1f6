"""Money in and out: the holder of each customer account an entry touched is told, once."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.accounts import interface
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.notifications.models import Notification
from tests.apps.accounts.factories import fund, open_account, verified_customer

pytestmark = pytest.mark.django_db


def test_both_sides_of_a_transfer_between_customers_are_told_once(now: datetime) -> None:
    payer = open_account(customer=verified_customer(), now=now)
    payee = open_account(customer=verified_customer(), now=now)
    fund(payer, 10_000)
    entry_id = ledger.transfer(
        from_account_id=payer.ledger_account_id,
        to_account_id=payee.ledger_account_id,
        amount=Money(2_550, "EUR"),
        idempotency_key="rent",
        description="Rent November",
    )
    assert interface.entry_notify(entry_id=entry_id, now=now) == 2
    assert interface.entry_notify(entry_id=entry_id, now=now) == 0
    out = Notification.objects.get(customer_id=payer.customer_id, kind="accounts.money")
    into = Notification.objects.get(customer_id=payee.customer_id, kind="accounts.money")
    assert out.title == "Money out: 25.50 EUR"
    assert into.title == "Money in: 25.50 EUR"
    assert "Rent November" in into.body
    assert into.link == f"/app/accounts/{payee.pk}/"


def test_internal_accounts_are_nobodys(now: datetime) -> None:
    account = open_account(now=now)
    bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
    entry_id = ledger.transfer(
        from_account_id=bank, to_account_id=account.ledger_account_id, amount=Money(1, "EUR"), idempotency_key="x"
    )
    assert interface.entry_notify(entry_id=entry_id, now=now) == 1
    assert interface.entry_notify(entry_id=entry_id + 999, now=now) == 0


def test_many_entries_are_told_in_one_call_and_a_payer_apart_once(now: datetime) -> None:
    payer = open_account(customer=verified_customer(), now=now)
    payees = [open_account(customer=verified_customer(), now=now) for _ in range(2)]
    fund(payer, 10_000)
    entries = [
        ledger.transfer(
            from_account_id=payer.ledger_account_id, to_account_id=payee.ledger_account_id,
            amount=Money(100 * (n + 1), "EUR"), idempotency_key=f"pay-{n}", description=f"Invoice {n}",
        )
        for n, payee in enumerate(payees)
    ]  # fmt: skip
    assert interface.entries_notify(entry_ids=entries, now=now, told_apart=payer.ledger_account_id) == 2
    assert interface.entries_notify(entry_ids=entries, now=now) == 0  # the payer's postings count as told
    assert interface.entry_notify(entry_id=entries[0], now=now) == 0
    assert not Notification.objects.filter(customer_id=payer.customer_id, kind="accounts.money").exists()
    first, second = (Notification.objects.get(customer_id=p.customer_id, kind="accounts.money") for p in payees)
    assert (first.title, second.title) == ("Money in: 1.00 EUR", "Money in: 2.00 EUR")
    assert first.body == f"1.00 EUR arrived on {payees[0].iban}. Invoice 0"

    interface.payout_notify(account_id=payer.pk, amount=Money(300, "EUR"), count=2, description="Payout 7", now=now)
    out = Notification.objects.get(customer_id=payer.customer_id, kind="accounts.money")
    assert (out.title, out.body) == ("Money out: 3.00 EUR", f"3.00 EUR left {payer.iban} in 2 payments. Payout 7")
    assert out.link == f"/app/accounts/{payer.pk}/"
