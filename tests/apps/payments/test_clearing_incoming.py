"""Incoming credit transfers: booked by IBAN, suspense for unknown ones, the bank's own returns."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from apps.accounts.models import Account
from apps.payments import iso20022 as iso
from apps.payments.clearing_accounts import suspense_ledger_id
from apps.payments.clearing_incoming import IncomingRefused, incoming_return, suspense_expire, suspense_resolve
from apps.payments.clearing_ingest import clearing_ingest_run
from apps.payments.models.settlement import IncomingCredit, IncomingStatus
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.notifications.models import Notification
from simulators.clearing import ClearingHouse
from tests.apps.payments.settlement_factories import NOW, clearing_env, funded_account

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def receive(root: Path, *, iban: str, amount: str = "25.00", now=NOW) -> IncomingCredit:  # type: ignore[no-untyped-def]
    msg_id = ClearingHouse(root).inject_credit(now=now, creditor_iban=iban, creditor_name="Alice", amount=amount)
    result = clearing_ingest_run(now=now)
    assert result.rejected == {}
    return IncomingCredit.objects.get(msg_id=msg_id)


def bank_returns(root: Path) -> list[iso.ReturnMessage]:
    messages = [iso.read(p.read_bytes()) for p in sorted((root / "outbox").glob("*.xml"))]
    return [m for m in messages if isinstance(m, iso.ReturnMessage)]


def test_a_transfer_to_an_open_account_is_credited_and_the_holder_told(clearing_env: Path) -> None:
    account = funded_account(balance="10.00")
    credit = receive(clearing_env, iban=account.iban)
    assert credit.status == IncomingStatus.BOOKED
    assert credit.account_id == account.pk
    assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("35.00", "EUR")
    event = OutboxEvent.objects.get(name="payment.received")
    assert event.payload["account_id"] == account.pk
    assert event.payload["amount_minor"] == 2500
    assert Notification.objects.filter(customer_id=account.customer_id, title="Money received").exists()


def test_the_same_incoming_file_twice_credits_once(clearing_env: Path) -> None:
    account = funded_account(balance="10.00")
    msg_id = ClearingHouse(clearing_env).inject_credit(
        now=NOW, creditor_iban=account.iban, creditor_name="A", amount="5.00"
    )
    data = (clearing_env / "inbox" / f"{msg_id}.xml").read_bytes()
    clearing_ingest_run(now=NOW)
    (clearing_env / "inbox" / "copy.xml").write_bytes(data)
    clearing_ingest_run(now=NOW)
    assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("15.00", "EUR")


def test_unknown_iban_goes_to_suspense_and_staff_resolve_it(clearing_env: Path) -> None:
    account = funded_account(balance="0.01")
    credit = receive(clearing_env, iban="DE02100200300000999999")
    assert credit.status == IncomingStatus.SUSPENSE
    assert ledger_read.balance(account_id=suspense_ledger_id()) == Money.of("25.00", "EUR")
    suspense_resolve(incoming_id=credit.pk, iban=account.iban, actor="staff:1", now=NOW)
    credit.refresh_from_db()
    assert credit.status == IncomingStatus.RESOLVED
    assert credit.resolved_by == "staff:1"
    assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("25.01", "EUR")
    assert ledger_read.balance(account_id=suspense_ledger_id()) == Money.zero("EUR")
    with pytest.raises(IncomingRefused):
        suspense_resolve(incoming_id=credit.pk, iban=account.iban, actor="staff:1", now=NOW)


def test_unresolved_suspense_is_returned_ac01_after_three_business_days(clearing_env: Path) -> None:
    credit = receive(clearing_env, iban="DE02100200300000999999")  # Wednesday 2 December
    assert suspense_expire(now=NOW + timedelta(days=4)) == 0  # Sunday: two business days so far
    assert suspense_expire(now=NOW + timedelta(days=5)) == 1  # Monday: the third
    credit.refresh_from_db()
    assert (credit.status, credit.reason_code) == (IncomingStatus.RETURNED, "AC01")
    (returned,) = bank_returns(clearing_env)
    assert returned.transactions[0].orig_tx_id == credit.tx_id
    assert returned.transactions[0].reason_code == "AC01"
    assert ledger_read.balance(account_id=suspense_ledger_id()) == Money.zero("EUR")


@pytest.mark.parametrize(("status", "code"), [("blocked", "AC06"), ("closed", "AC04")])
def test_blocked_and_closed_accounts_are_returned_by_the_bank(clearing_env: Path, status: str, code: str) -> None:
    account = funded_account(balance="10.00")
    Account.objects.filter(pk=account.pk).update(status=status, closed_at=NOW if status == "closed" else None)
    credit = receive(clearing_env, iban=account.iban)
    assert (credit.status, credit.reason_code) == (IncomingStatus.RETURNED, code)
    assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("10.00", "EUR")
    (returned,) = bank_returns(clearing_env)
    assert returned.transactions[0].reason_code == code
    assert returned.transactions[0].amount_minor == 2500


def test_a_debit_blocked_account_still_receives(clearing_env: Path) -> None:
    account = funded_account(balance="10.00")
    Account.objects.filter(pk=account.pk).update(status="debit_blocked")
    assert receive(clearing_env, iban=account.iban).status == IncomingStatus.BOOKED


def test_staff_return_of_a_booked_transfer_takes_the_money_back(clearing_env: Path) -> None:
    account = funded_account(balance="0.01")
    credit = receive(clearing_env, iban=account.iban)
    with pytest.raises(IncomingRefused):
        incoming_return(incoming_id=credit.pk, reason_code="not a code", actor="staff:1", now=NOW)
    incoming_return(incoming_id=credit.pk, reason_code="FOCR", actor="staff:1", now=NOW)
    credit.refresh_from_db()
    assert (credit.status, credit.reason_code) == (IncomingStatus.RETURNED, "FOCR")
    assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("0.01", "EUR")
    with pytest.raises(IncomingRefused):
        incoming_return(incoming_id=credit.pk, reason_code="FOCR", actor="staff:1", now=NOW)
