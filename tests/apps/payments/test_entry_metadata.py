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
from apps.accounts.statements.camt053 import NAMESPACE, camt053_build, camt053_render, schema
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


def _today_camt053(account: Account) -> etree._Element:
    """Today's camt.053 of the account, as rendered (schema-validated) and parsed back."""
    today = bank_date(timezone.now())  # the ledger stamps postings with the wall clock
    statement = statement_build(account_id=account.pk, from_date=today, to_date=today, now=timezone.now())
    document = etree.fromstring(camt053_render(statement=statement))
    assert schema().validate(document)
    return document


def _parties(document: etree._Element) -> list[tuple[str, list[str], list[str], list[str]]]:
    """Per entry: its indicator, the TxDtls' related party names, their IBANs and the unstructured remittance."""
    ns = {"c": NAMESPACE}
    return [
        (
            ntry.findtext("c:CdtDbtInd", namespaces=ns),
            ntry.xpath("c:NtryDtls/c:TxDtls/c:RltdPties/*/c:Pty/c:Nm/text()", namespaces=ns),
            ntry.xpath("c:NtryDtls/c:TxDtls/c:RltdPties/*/c:Id/c:IBAN/text()", namespaces=ns),
            ntry.xpath("c:NtryDtls/c:TxDtls/c:RmtInf/c:Ustrd/text()", namespaces=ns),
        )
        for ntry in document.xpath("//c:Ntry", namespaces=ns)
    ]


def test_a_camt053_names_the_payee_of_money_out_and_the_payer_of_money_in(clearing_env: Path) -> None:
    account = funded_account()
    payment = accepted_payment(account=account, creditor_name="Muster GmbH", end_to_end_id="INV-42")
    Payment.objects.filter(pk=payment.pk).update(reference="Invoice 42")
    clearing_tick_run(now=NOW)
    ClearingHouse(clearing_env).inject_credit(
        now=NOW, creditor_iban=account.iban, creditor_name="Alice", amount="25.00",
        debtor_name="Erika Mustermann", debtor_iban="DE89370400440532013000", end_to_end_id="E2E-4711",
    )  # fmt: skip
    clearing_ingest_run(now=NOW)
    document = _today_camt053(account)
    ns = {"c": NAMESPACE}
    out = document.xpath("//c:Ntry[c:CdtDbtInd='DBIT']/c:NtryDtls/c:TxDtls/c:RltdPties", namespaces=ns)
    came = document.xpath("//c:Ntry[c:CdtDbtInd='CRDT']/c:NtryDtls/c:TxDtls/c:RltdPties", namespaces=ns)
    assert len(out) == len(came) == 1
    # Money out names its creditor and their account, and no debtor (the holder is the account's owner).
    assert out[0].xpath("c:Cdtr/c:Pty/c:Nm/text()", namespaces=ns) == ["Muster GmbH"]
    assert out[0].xpath("c:CdtrAcct/c:Id/c:IBAN/text()", namespaces=ns) == [payment.creditor_iban]
    assert out[0].xpath("c:Dbtr|c:DbtrAcct", namespaces=ns) == []
    assert came[0].xpath("c:Dbtr/c:Pty/c:Nm/text()", namespaces=ns) == ["Erika Mustermann"]
    assert came[0].xpath("c:DbtrAcct/c:Id/c:IBAN/text()", namespaces=ns) == ["DE89370400440532013000"]
    assert came[0].xpath("c:Cdtr|c:CdtrAcct", namespaces=ns) == []
    entries = _parties(document)
    assert ("DBIT", ["Muster GmbH"], [payment.creditor_iban], ["Invoice 42"]) in entries
    # The test's funding entry (from a bank ledger account, no metadata) names nobody, and the whole validates.
    assert [entry for entry in entries if not entry[1]] == [("CRDT", [], [], [])]


def test_an_internal_payment_names_the_other_customer_on_each_sides_camt053(now: datetime) -> None:
    alice: Payer = payer(balance="100.00", full_name="Alice Example")
    bob: Payer = payer(balance="0", full_name="Bob Builder")
    initiate.payment_initiate(
        customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("45.00", "EUR"),
        creditor_name="Bob Builder", creditor_iban=bob.account.iban, reference="Dinner at Luigi's",
        end_to_end_id="DINNER-1", idempotency_key="k1", now=now, sca_exemption="test",
    )  # fmt: skip
    assert ("DBIT", ["Bob Builder"], [bob.account.iban], ["Dinner at Luigi's"]) in _parties(
        _today_camt053(alice.account)
    )
    assert _parties(_today_camt053(bob.account)) == [
        ("CRDT", ["Alice Example"], [alice.account.iban], ["Dinner at Luigi's"])
    ]
