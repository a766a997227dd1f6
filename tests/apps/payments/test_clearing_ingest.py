"""clearing_ingest: status reports settle or reject, returns give money back, bad files change nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from apps.accounts.models import Account
from apps.payments.clearing_ingest import clearing_ingest_run
from apps.payments.clearing_tick import clearing_simulate_run, clearing_tick_run
from apps.payments.models import (
    BatchStatus,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentEvent,
    PaymentKind,
    PaymentStatus,
)
from apps.payments.models.settlement import ClearingException, ClearingFile, Direction, FileStatus
from apps.payments.settlement import settlement_cycle_run
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Hold, Posting
from bankcore.money import Money
from bankcore.notifications.models import Notification
from tests.apps.payments.factories import PaymentBatchLineRowFactory, PaymentBatchRowFactory
from tests.apps.payments.settlement_factories import NOW, accepted_payment, clearing_env, funded_account

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def status_file(
    root: Path, *, msg_id: str, orig_msg_id: str, txs: str, group: str = "", name: str | None = None
) -> Path:
    path = root / "inbox" / (name or f"{msg_id}.xml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11"><FIToFIPmtStsRpt>'
        f"<GrpHdr><MsgId>{msg_id}</MsgId><CreDtTm>2026-12-02T10:00:00Z</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{orig_msg_id}</OrgnlMsgId><OrgnlMsgNmId>pacs.008.001.09</OrgnlMsgNmId>"
        f"{group}</OrgnlGrpInfAndSts>{txs}</FIToFIPmtStsRpt></Document>"
    )
    return path


def tx(payment: Payment, status: str, reason: str = "", e2e: str | None = None) -> str:
    rsn = f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else ""
    return (
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e or payment.end_to_end_id}</OrgnlEndToEndId>"
        f"<OrgnlTxId>{payment.tx_id}</OrgnlTxId><TxSts>{status}</TxSts>{rsn}</TxInfAndSts>"
    )


def submitted(*payments: Payment) -> str:
    settlement_cycle_run(now=NOW)
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUBMITTED
    return ClearingFile.objects.get(direction=Direction.OUT).msg_id


def snapshot() -> tuple[int, int, int, list[tuple[int, str]]]:
    return (
        Posting.objects.count(),
        PaymentEvent.objects.count(),
        OutboxEvent.objects.count(),
        sorted(Payment.objects.values_list("id", "status")),
    )


class TestThroughTheSimulator:
    def test_accepted_payment_settles_the_hold_is_captured_into_settlement(self) -> None:
        account = funded_account()
        payment = accepted_payment(account=account, amount="12.50")
        result = clearing_tick_run(now=NOW)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SETTLED
        assert result.ingested.settled == 1
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("987.50", "EUR")
        assert Hold.objects.get(pk=payment.hold_id).status == Hold.Status.CAPTURED
        assert OutboxEvent.objects.filter(name="payment.settled", payload__payment_id=payment.pk).count() == 1
        assert Notification.objects.filter(customer_id=payment.customer_id, title="Payment made").exists()

    def test_sim_reject_releases_the_hold_with_the_reason_code(self) -> None:
        account = funded_account()
        payment = accepted_payment(account=account, creditor_name="SIM REJECT AC04")
        clearing_tick_run(now=NOW)
        payment.refresh_from_db()
        assert (payment.status, payment.reason_code) == (PaymentStatus.REJECTED, "AC04")
        assert Hold.objects.get(pk=payment.hold_id).status == Hold.Status.RELEASED
        assert ledger_read.available_balance(account_id=account.ledger_account_id) == Money.of("1000.00", "EUR")
        assert OutboxEvent.objects.filter(name="payment.rejected", payload__payment_id=payment.pk).exists()

    def test_sim_return_gives_the_money_back_after_business_days(self) -> None:
        account = funded_account()
        payment = accepted_payment(account=account, amount="40.00", creditor_name="SIM RETURN MD07 2")
        clearing_tick_run(now=NOW)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SETTLED
        clearing_tick_run(now=NOW + timedelta(days=1))  # one business day: not yet
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SETTLED
        clearing_tick_run(now=NOW + timedelta(days=2, hours=2))
        payment.refresh_from_db()
        assert (payment.status, payment.reason_code) == (PaymentStatus.RETURNED, "MD07")
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("1000.00", "EUR")
        assert payment.return_entry_id is not None

    def test_no_answer_leaves_it_submitted(self) -> None:
        payment = accepted_payment(account=funded_account(), creditor_name="SIM NOANSWER")
        clearing_tick_run(now=NOW)
        clearing_tick_run(now=NOW + timedelta(days=3))
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUBMITTED

    def test_a_duplicate_answer_changes_nothing_the_second_time(self, clearing_env: Path) -> None:
        account = funded_account()
        payment = accepted_payment(account=account, creditor_name="SIM DUPLICATE")
        result = clearing_tick_run(now=NOW)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SETTLED
        assert len(result.ingested.duplicates) == 1
        assert Posting.objects.filter(entry_id=payment.entry_id).count() == 2
        assert ClearingFile.objects.get(direction=Direction.IN, kind="pacs.002.001.11").duplicates == 1

    def test_instant_no_answer_is_rejected_ab05_and_a_late_acceptance_goes_to_exceptions(self) -> None:
        account = funded_account()
        payment = accepted_payment(account=account, kind=PaymentKind.INSTANT, creditor_name="SIM DELAY 30")
        clearing_tick_run(now=NOW)
        payment.refresh_from_db()
        assert (payment.status, payment.reason_code) == (PaymentStatus.REJECTED, "AB05")
        clearing_tick_run(now=NOW + timedelta(seconds=31))
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.REJECTED  # never the customer's balance
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("1000.00", "EUR")
        (exception,) = ClearingException.objects.filter(payment=payment)
        assert exception.kind == ClearingException.Kind.LATE_ACCEPTANCE


class TestStatusReports:
    def test_the_same_file_twice_changes_nothing(self, clearing_env: Path) -> None:
        payment = accepted_payment(account=funded_account())
        sent = submitted(payment)
        status_file(clearing_env, msg_id="STS1", orig_msg_id=sent, txs=tx(payment, "ACSC"))
        clearing_ingest_run(now=NOW)
        before = snapshot()
        status_file(clearing_env, msg_id="STS1", orig_msg_id=sent, txs=tx(payment, "ACSC"), name="again.xml")
        result = clearing_ingest_run(now=NOW)
        assert result.duplicates == ["again.xml"]
        assert snapshot() == before
        assert (clearing_env / "processed" / "again.xml").exists()

    def test_group_rjct_rejects_every_transaction_it_does_not_name(self, clearing_env: Path) -> None:
        account = funded_account()
        first, second, third = (accepted_payment(account=account) for _ in range(3))
        sent = submitted(first, second, third)
        group = "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>MS03</Cd></Rsn></StsRsnInf>"
        status_file(clearing_env, msg_id="STS2", orig_msg_id=sent, txs=tx(first, "ACSC"), group=group)
        clearing_ingest_run(now=NOW)
        statuses = {p.pk: (p.status, p.reason_code) for p in Payment.objects.all()}
        assert statuses[first.pk] == (PaymentStatus.SETTLED, "")
        assert statuses[second.pk] == statuses[third.pk] == (PaymentStatus.REJECTED, "MS03")

    @pytest.mark.parametrize("status", ["ACCP", "ACSP", "ACTC", "PDNG"])
    def test_intermediate_statuses_change_nothing(self, clearing_env: Path, status: str) -> None:
        payment = accepted_payment(account=funded_account())
        sent = submitted(payment)
        before = snapshot()
        status_file(clearing_env, msg_id=f"STS-{status}", orig_msg_id=sent, txs=tx(payment, status))
        result = clearing_ingest_run(now=NOW)
        assert result.processed == [f"STS-{status}.xml"]
        assert snapshot() == before

    def test_rjct_after_acsc_goes_to_exceptions(self, clearing_env: Path) -> None:
        account = funded_account()
        payment = accepted_payment(account=account)
        sent = submitted(payment)
        status_file(clearing_env, msg_id="STS3", orig_msg_id=sent, txs=tx(payment, "ACSC"))
        clearing_ingest_run(now=NOW)
        status_file(clearing_env, msg_id="STS4", orig_msg_id=sent, txs=tx(payment, "RJCT", "AC04"))
        result = clearing_ingest_run(now=NOW)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SETTLED
        assert result.exceptions == 1
        assert ClearingException.objects.get(payment=payment).kind == ClearingException.Kind.CONTRADICTION
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money.of("987.50", "EUR")


class TestRefusedFiles:
    def refused(self, root: Path, name: str) -> str:
        assert not (root / "inbox" / name).exists()
        assert (root / "rejected" / name).exists()
        rejected = ClearingFile.objects.get(direction=Direction.IN, name=name)
        assert rejected.status == FileStatus.REJECTED
        return (root / "rejected" / f"{name}.error.txt").read_text()

    def test_not_xml(self, clearing_env: Path) -> None:
        (clearing_env / "inbox").mkdir(parents=True)
        (clearing_env / "inbox" / "junk.xml").write_text("hello")
        before = snapshot()
        clearing_ingest_run(now=NOW)
        assert "not XML" in self.refused(clearing_env, "junk.xml")
        assert snapshot() == before

    def test_xsd_invalid(self, clearing_env: Path) -> None:
        payment = accepted_payment(account=funded_account())
        sent = submitted(payment)
        path = status_file(clearing_env, msg_id="STS5", orig_msg_id=sent, txs=tx(payment, "ACSC"))
        path.write_text(path.read_text().replace("<CreDtTm>2026-12-02T10:00:00Z", "<CreDtTm>soon"))
        before = snapshot()
        clearing_ingest_run(now=NOW)
        assert "not valid pacs.002.001.11" in self.refused(clearing_env, "STS5.xml")
        assert snapshot() == before

    def test_an_unknown_message_or_payment_changes_nothing_even_for_the_known_ones(self, clearing_env: Path) -> None:
        account = funded_account()
        payment, other = accepted_payment(account=account), accepted_payment(account=account)
        sent = submitted(payment, other)
        stranger = Payment(tx_id="TXUNKNOWN", end_to_end_id="X")
        status_file(clearing_env, msg_id="STS6", orig_msg_id=sent, txs=tx(payment, "ACSC") + tx(stranger, "ACSC"))
        status_file(clearing_env, msg_id="STS7", orig_msg_id="NEVERSENT", txs=tx(other, "ACSC"))
        before = snapshot()
        clearing_ingest_run(now=NOW)
        assert "no transaction TXUNKNOWN" in self.refused(clearing_env, "STS6.xml")
        assert "no message NEVERSENT" in self.refused(clearing_env, "STS7.xml")
        assert snapshot() == before

    def test_another_end_to_end_id_contradicts(self, clearing_env: Path) -> None:
        payment = accepted_payment(account=funded_account())
        sent = submitted(payment)
        status_file(clearing_env, msg_id="STS8", orig_msg_id=sent, txs=tx(payment, "ACSC", e2e="SOMEONE-ELSE"))
        clearing_ingest_run(now=NOW)
        assert "contradicts" in self.refused(clearing_env, "STS8.xml")
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUBMITTED

    def test_the_simulator_never_sees_the_bank_s_temporary_files(self, clearing_env: Path) -> None:
        accepted_payment(account=funded_account())
        settlement_cycle_run(now=NOW)
        (clearing_env / "outbox" / ".half-written.xml.tmp").write_text("<half")
        assert len(clearing_simulate_run(now=NOW).taken) == 1


class TestABulkPayoutLine:
    """A line whose payment left the bank and came back: the line and its finished batch say so."""

    @staticmethod
    def batch_of(account: Account, *payments: Payment) -> PaymentBatch:
        total = sum(p.amount_minor for p in payments)
        batch = PaymentBatchRowFactory(
            customer=account.customer, source_account_id=account.pk, uploaded_by="customer", partner_id=None,
            line_count=len(payments), valid_count=len(payments), done_count=len(payments), valid_total_minor=total,
            paid_count=len(payments), paid_total_minor=total, completed_at=NOW,
        )  # fmt: skip
        for payment in payments:
            PaymentBatchLineRowFactory(batch=batch, payment=payment)
        return batch

    def test_rejected_by_the_clearing_after_acceptance(self) -> None:
        account = funded_account()
        kept = accepted_payment(account=account, amount="10.00", end_to_end_id="E2E-KEPT")
        rejected = accepted_payment(account=account, amount="12.50", creditor_name="SIM REJECT AC04")
        batch = self.batch_of(account, kept, rejected)
        clearing_tick_run(now=NOW)
        clearing_tick_run(now=NOW)  # the same answers again change nothing
        batch.refresh_from_db()
        line = batch.lines.get(payment=rejected)
        assert (line.status, line.reason_code) == (LineStatus.REJECTED, "AC04")
        assert batch.lines.get(payment=kept).status == LineStatus.ACCEPTED
        assert (batch.status, batch.paid_count, batch.paid_total_minor, batch.failed_count) == (
            BatchStatus.COMPLETED_WITH_ERRORS, 1, 1000, 1,
        )  # fmt: skip

    def test_returned_after_settlement_fails_a_batch_of_one(self) -> None:
        account = funded_account()
        returned = accepted_payment(account=account, amount="40.00", creditor_name="SIM RETURN MD07 2")
        batch = self.batch_of(account, returned)
        clearing_tick_run(now=NOW)
        clearing_tick_run(now=NOW + timedelta(days=2, hours=2))
        batch.refresh_from_db()
        assert batch.lines.get().status == LineStatus.REJECTED
        assert (batch.status, batch.paid_count, batch.failed_count) == (BatchStatus.FAILED, 0, 1)
