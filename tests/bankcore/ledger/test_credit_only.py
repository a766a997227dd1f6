"""A credit-only account (a customer account whose debits are blocked): money in, none out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from tests.bankcore.ledger.conftest import eur

pytestmark = pytest.mark.django_db


def _accounts() -> tuple[int, int]:
    bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
    customer = ledger.account_open(name="Customer", currency="EUR")
    ledger.transfer(from_account_id=bank, to_account_id=customer, amount=eur(1_000), idempotency_key="fund")
    return bank, customer


def test_a_new_hold_is_refused(now: datetime) -> None:
    _, customer = _accounts()
    ledger.account_credit_only(account_id=customer)
    with pytest.raises(ledger.AccountCreditOnly):
        ledger.hold_create(
            account_id=customer, amount=eur(10), idempotency_key="h", expires_at=now + timedelta(days=1), now=now
        )


def test_a_hold_made_before_the_block_can_still_be_captured(now: datetime) -> None:
    bank, customer = _accounts()
    hold_id = ledger.hold_create(
        account_id=customer, amount=eur(300), idempotency_key="h", expires_at=now + timedelta(days=1), now=now
    )
    ledger.account_credit_only(account_id=customer)
    ledger.hold_capture(hold_id=hold_id, to_account_id=bank, idempotency_key="cap", now=now)
    assert ledger_read.balance(account_id=customer) == eur(700)


def test_unfreeze_reopens_debits_and_a_credit_only_account_can_be_frozen_and_closed() -> None:
    bank, customer = _accounts()
    ledger.account_credit_only(account_id=customer)
    ledger.account_unfreeze(account_id=customer)
    ledger.transfer(from_account_id=customer, to_account_id=bank, amount=eur(1_000), idempotency_key="out")
    ledger.account_credit_only(account_id=customer)
    ledger.account_freeze(account_id=customer)
    ledger.account_credit_only(account_id=customer)
    ledger.account_close(account_id=customer)
    assert LedgerAccount.objects.get(pk=customer).status == "closed"
    with pytest.raises(ledger.AccountClosed):
        ledger.account_credit_only(account_id=customer)


def test_a_batch_refuses_the_debit_and_takes_the_credit() -> None:
    bank, customer = _accounts()
    ledger.account_credit_only(account_id=customer)
    results = ledger.post_batch(
        transfers=[
            ledger.TransferRequest(customer, bank, eur(1), "b-out"),
            ledger.TransferRequest(bank, customer, eur(5), "b-in"),
        ]
    )
    assert [(r.posted, r.code) for r in results] == [(False, "account_credit_only"), (True, "")]
    assert ledger_read.balance(account_id=customer) == eur(1_005)
