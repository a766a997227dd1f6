"""A bulk payout's line held by a fraud rule: never counted as paid, decided by its case, then the file ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts import history
from apps.fraud.models import Alert
from apps.fraud.services import alerts
from apps.payments.models import BatchStatus, LineStatus, Payment, PaymentBatch
from apps.payments.services import batches, initiate, reviews
from bankcore.events.models import OutboxEvent
from bankcore.events.services import outbox_relay
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry, Hold
from bankcore.money import Money
from bankcore.notifications.models import Notification
from tests.apps.payments.batch_factories import Row, business, review_rule, upload
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, Payer, payer

pytestmark = pytest.mark.django_db

HELD_MINOR = 4242  # the amount the rule holds


@pytest.fixture
def now() -> datetime:
    """The wall clock: the tasks and the case handlers act at the real moment, as in production."""
    return timezone.now()


@pytest.fixture
def acme() -> Payer:
    return business(balance="1000.00")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0.00", full_name="Bob Builder")


def executed(owner: Payer, rows: list[Row], *, now: datetime, capture: Any) -> PaymentBatch:
    """Upload and pay a partner's batch (no customer SCA), running what is enqueued after commit."""
    review_rule(amount_minor=HELD_MINOR)
    with capture(execute=True):
        batch = upload(owner, rows, partner_id=1, now=now)
    batch.refresh_from_db()
    return batch


def held_line_payment(batch: PaymentBatch) -> Payment:
    line = batch.lines.get(status=LineStatus.HELD)
    assert line.payment is not None
    return line.payment


def decide(payment: Payment, *, release: bool, now: datetime, capture: Any) -> None:
    """The analyst's decision on the case, delivered to payments by the outbox relay, as in production."""
    assert payment.fraud_alert_id is not None
    with capture(execute=True):
        alerts.alert_payment_decide(alert_id=payment.fraud_alert_id, release=release, by_id=None, now=now)
        outbox_relay(now=now, batch_size=1000)


def available(p: Payer) -> Money:
    return ledger_read.available_balance(account_id=p.account.ledger_account_id)


def balance(p: Payer) -> Money:
    return ledger_read.balance(account_id=p.account.ledger_account_id)


class TestAHeldLine:
    def test_is_counted_apart_and_the_batch_waits_for_its_case(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row("Bob Builder", bob.account.iban, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        assert batch.status == BatchStatus.AWAITING_REVIEW
        assert batch.completed_at is None
        assert (batch.done_count, batch.paid_count, batch.held_count, batch.failed_count) == (2, 1, 1, 0)
        assert (batch.paid_total_minor, batch.held_total_minor) == (1000, HELD_MINOR)
        payment = held_line_payment(batch)
        assert payment.status == "held_for_review"
        assert Alert.objects.get(pk=payment.fraud_alert_id).payment_ref == payment.ref
        assert balance(bob) == Money.of("10.00", "EUR")  # only the line that was not held moved
        assert available(acme) == Money.of("947.58", "EUR")  # the held one's funds are reserved
        assert not batches.batch_is_running(batch)  # nothing runs while the case is open: no polling
        assert Notification.objects.filter(customer=acme.user, title="Bulk payout waiting for a check").count() == 1
        assert not Notification.objects.filter(customer=acme.user, title="Bulk payout done").exists()

    def test_a_rerun_while_it_waits_changes_nothing(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row("Bob Builder", bob.account.iban, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        assert batches.batch_execute(batch_id=batch.pk, now=now) == BatchStatus.AWAITING_REVIEW
        again = PaymentBatch.objects.get(pk=batch.pk)
        assert (again.paid_count, again.held_count, again.status) == (1, 1, BatchStatus.AWAITING_REVIEW)
        assert Notification.objects.filter(customer=acme.user, title="Bulk payout waiting for a check").count() == 1

    def test_released_internal_line_is_booked_and_finishes_the_batch(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row("Bob Builder", bob.account.iban, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        payment = held_line_payment(batch)
        decide(payment, release=True, now=now, capture=django_capture_on_commit_callbacks)

        batch.refresh_from_db()
        line = batch.lines.get(payment=payment)
        payment.refresh_from_db()
        assert (payment.status, line.status, line.reason) == ("settled", LineStatus.PAID, "")
        assert batch.status == BatchStatus.COMPLETED
        assert batch.completed_at is not None
        assert (batch.paid_count, batch.held_count, batch.failed_count) == (2, 0, 0)
        assert (batch.paid_total_minor, batch.held_total_minor) == (1000 + HELD_MINOR, 0)
        assert balance(bob) == Money.of("52.42", "EUR")
        assert Hold.objects.get(pk=payment.hold_id).status == "captured"
        done = Notification.objects.get(customer=acme.user, title="Bulk payout done")
        assert done.body == "2 of 2 payments made (completed)."

    def test_released_external_line_is_accepted(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row(EXTERNAL_NAME, EXTERNAL_IBAN, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        payment = held_line_payment(batch)
        decide(payment, release=True, now=now, capture=django_capture_on_commit_callbacks)
        batch.refresh_from_db()
        assert batch.lines.get(payment=payment).status == LineStatus.ACCEPTED
        assert (batch.status, batch.paid_count, batch.held_count) == (BatchStatus.COMPLETED, 2, 0)
        assert Hold.objects.get(pk=payment.hold_id).status == "active"  # leaves with settlement

    def test_rejected_line_gives_the_money_back_and_the_batch_ends_with_errors(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row("Bob Builder", bob.account.iban, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        payment = held_line_payment(batch)
        decide(payment, release=False, now=now, capture=django_capture_on_commit_callbacks)

        batch.refresh_from_db()
        line = batch.lines.get(payment=payment)
        assert (line.status, line.reason_code, line.reason) == (
            LineStatus.REJECTED, "FR01", "refused by the fraud case",
        )  # fmt: skip
        assert batch.status == BatchStatus.COMPLETED_WITH_ERRORS
        assert (batch.paid_count, batch.held_count, batch.failed_count) == (1, 0, 1)
        assert (batch.paid_total_minor, batch.held_total_minor) == (1000, 0)
        assert Hold.objects.get(pk=payment.hold_id).status == "released"
        assert available(acme) == balance(acme) == Money.of("990.00", "EUR")
        assert balance(bob) == Money.of("10.00", "EUR")

    def test_a_file_whose_only_line_is_rejected_by_its_case_failed(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        batch = executed(acme, [Row("Bob Builder", bob.account.iban, "42.42")], now=now,
                         capture=django_capture_on_commit_callbacks)  # fmt: skip
        assert (batch.status, batch.paid_count, batch.held_count) == (BatchStatus.AWAITING_REVIEW, 0, 1)
        decide(held_line_payment(batch), release=False, now=now, capture=django_capture_on_commit_callbacks)
        batch.refresh_from_db()
        assert (batch.status, batch.failed_count) == (BatchStatus.FAILED, 1)

    def test_the_batch_ends_only_when_its_last_held_line_is_decided(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "42.42"), Row(EXTERNAL_NAME, EXTERNAL_IBAN, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        first, second = (line.payment for line in batch.lines.order_by("line_no"))
        assert first is not None
        assert second is not None
        decide(first, release=True, now=now, capture=django_capture_on_commit_callbacks)
        batch.refresh_from_db()
        assert (batch.status, batch.paid_count, batch.held_count) == (BatchStatus.AWAITING_REVIEW, 1, 1)
        decide(second, release=False, now=now, capture=django_capture_on_commit_callbacks)
        batch.refresh_from_db()
        assert (batch.status, batch.paid_count, batch.held_count, batch.failed_count) == (
            BatchStatus.COMPLETED_WITH_ERRORS, 1, 0, 1,
        )  # fmt: skip

    def test_a_replayed_decision_changes_nothing(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row("Bob Builder", bob.account.iban, "42.42")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        payment = held_line_payment(batch)
        decide(payment, release=True, now=now, capture=django_capture_on_commit_callbacks)
        batch.refresh_from_db()
        before = (batch.status, batch.paid_count, batch.paid_total_minor, batch.failed_count, batch.updated_at)
        released = OutboxEvent.objects.get(name="fraud.case.released")
        with django_capture_on_commit_callbacks(execute=True):
            # The same event delivered again, and a contradicting one: the payment was decided.
            reviews.on_case_released(str(released.event_id), released.payload)
            reviews.on_case_rejected("other", released.payload)
        batch.refresh_from_db()
        assert (batch.status, batch.paid_count, batch.paid_total_minor, batch.failed_count, batch.updated_at) == before
        assert batch.lines.get(payment=payment).status == LineStatus.PAID
        assert Entry.objects.filter(idempotency_key=f"{payment.ref}:book").count() == 1
        assert balance(bob) == Money.of("52.42", "EUR")
        assert Notification.objects.filter(customer=acme.user, title="Bulk payout done").count() == 1


class TestBulkInternalEntries:
    def test_carry_the_single_bookings_metadata(
        self, acme: Payer, bob: Payer, now: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00", reference="Invoice 12", end_to_end_id="E2E-12")]
        batch = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
        payment = batch.lines.get().payment
        assert payment is not None
        assert payment.entry_id is not None
        alone = initiate.payment_initiate(
            customer_id=acme.id, source_account_id=acme.account.pk, amount=Money.of("11.00", "EUR"),
            creditor_name="Bob Builder", creditor_iban=bob.account.iban, reference="Invoice 13",
            end_to_end_id="E2E-13", idempotency_key="alone", now=now, sca_exemption="test",
        )  # fmt: skip
        in_batch = Entry.objects.get(pk=payment.entry_id)
        single = Entry.objects.get(pk=Payment.objects.get(pk=alone.id).entry_id)
        assert in_batch.metadata == {"reference": "Invoice 12", "end_to_end_id": "E2E-12"}
        assert set(in_batch.metadata) == set(single.metadata)
        # Both sides' histories show the reference and the other customer, as for the payment made alone.
        came = history.history_page(account=bob.account, wanted=history.HistoryFilter(), limit=2).items[1]
        assert (came.reference, came.counterparty_name, came.counterparty_iban) == (
            "Invoice 12", "Acme Trading GmbH", acme.account.iban,
        )  # fmt: skip
        out = history.history_page(account=acme.account, wanted=history.HistoryFilter(), limit=2).items[1]
        assert (out.reference, out.counterparty_iban) == ("Invoice 12", bob.account.iban)
