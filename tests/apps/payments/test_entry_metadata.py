"""A payment's ledger entries carry what the account history and statements show (DESIGN.md §5):
the customer's reference, the real counterparty and the end-to-end id, never settlement's account
or a ledger key."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from apps.accounts import history
from apps.accounts.interest import bank_date
from apps.accounts.models import Account
from apps.accounts.statements.builder import statement_build
from apps.accounts.statements.camt053 import camt053_build
from apps.payments.clearing_ingest import clearing_ingest_run
from apps.payments.clearing_tick import clearing_tick_run
from apps.payments.models import Payment, PaymentStatus
from apps.payments.models.settlement import IncomingCredit
from apps.payments.services import initiate
from bankcore.money import Money
from simulators.clearing import ClearingHouse
from tests.apps.payments.factories import Payer, payer
from tests.apps.payments.settlement_factories import NOW, accepted_payment, clearing_env, funded_account

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def newest(account: Account) -> history.Transaction:
    return history.history_page(account=account, wanted=history.HistoryFilter(), limit=1).items[0]


def test_an_internal_payment_shows_the_reference_and_the_other_customer_on_both_sides(now: datetime) -> None:
    alice: Payer = payer(balance="100.00", full_name="Alice Example")
    bob: Payer = payer(balance="0", full_name="Bob Builder")
    view = initiate.payment_initiate(
        customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("45.00", "EUR"),
        creditor_name="Bob Builder", creditor_iban=bob.account.iban, reference="Dinner at Luigi's",
        end_to_end_id="DINNER-1", idempotency_key="k1", now=now, sca_exemption="test",
    )  # fmt: skip
    assert view.status == PaymentStatus.SETTLED
    out, came = newest(alice.account), newest(bob.account)
    assert (out.reference, out.counterparty_name, out.counterparty_iban) == (
        "Dinner at Luigi's", "Bob Builder", bob.account.iban,
    )  # fmt: skip
    assert (came.reference, came.counterparty_name, came.counterparty_iban) == (
        "Dinner at Luigi's", "Alice Example", alice.account.iban,
    )  # fmt: skip


def test_a_settled_sepa_payment_shows_the_payee_and_the_reference_not_settlement() -> None:
    account = funded_account()
    payment = accepted_payment(account=account, creditor_name="Muster GmbH", end_to_end_id="INV-42")
    Payment.objects.filter(pk=payment.pk).update(reference="Invoice 42")
    clearing_tick_run(now=NOW)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SETTLED
    line = newest(account)
    assert line.amount == Money.of("-12.50", "EUR")
    assert (line.reference, line.counterparty_name, line.counterparty_iban) == (
        "Invoice 42", "Muster GmbH", payment.creditor_iban,
    )  # fmt: skip
    today = bank_date(timezone.now())  # the ledger stamps postings with the wall clock
    statement = statement_build(account_id=account.pk, from_date=today, to_date=today, now=timezone.now())
    camt = camt053_build(statement=statement)
    ns = {"c": camt.nsmap[None]}
    assert camt.xpath("//c:Ntry[last()]//c:EndToEndId/text()", namespaces=ns) == ["INV-42"]
    assert camt.xpath("//c:Ntry[last()]//c:Ustrd/text()", namespaces=ns) == ["Invoice 42"]
    assert b"payment:" not in etree.tostring(camt)


def test_a_returned_sepa_payment_shows_the_payee_and_the_reference() -> None:
    account = funded_account()
    payment = accepted_payment(account=account, creditor_name="SIM RETURN MD07 1")
    clearing_tick_run(now=NOW)
    clearing_tick_run(now=NOW + timedelta(days=1, hours=2))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.RETURNED
    line = newest(account)
    assert line.amount == Money.of("12.50", "EUR")
    assert (line.reference, line.counterparty_name) == ("Invoice 2026-1", "SIM RETURN MD07 1")


def test_an_incoming_credit_shows_the_debtor_and_the_remittance(clearing_env: Path) -> None:
    account = funded_account(balance="10.00")
    msg_id = ClearingHouse(clearing_env).inject_credit(
        now=NOW, creditor_iban=account.iban, creditor_name="Alice", amount="25.00",
        debtor_name="Erika Mustermann", debtor_iban="DE89370400440532013000", end_to_end_id="E2E-4711",
    )  # fmt: skip
    clearing_ingest_run(now=NOW)
    credit = IncomingCredit.objects.get(msg_id=msg_id)
    line = newest(account)
    assert (line.counterparty_name, line.counterparty_iban) == ("Erika Mustermann", "DE89370400440532013000")
    assert line.reference == credit.reference  # the debtor's remittance information (none here), not our wording
    assert not line.reference.startswith("From ")
