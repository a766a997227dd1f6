"""Bulk payouts through the services: line-by-line results, batch posting, holds, SCA binding, reruns."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts import interface as accounts
from apps.payments.models import BatchStatus, LineStatus, Payment, PaymentBatch, PaymentBatchLine
from apps.payments.services import batches
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry, Hold
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca
from tests.apps.payments.batch_factories import Row, business, upload
from tests.apps.payments.factories import (
    EXTERNAL_IBAN,
    EXTERNAL_NAME,
    OTHER_EXTERNAL_IBAN,
    UNKNOWN_OWN_IBAN,
    Payer,
    payer,
)


@pytest.fixture
def acme() -> Payer:
    return business(balance="10000.00")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0.00", full_name="Bob Builder")


@pytest.fixture
def carol() -> Payer:
    return payer(balance="0.00", full_name="Carol Jones")


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what a service enqueues after commit (the tasks are eager in tests)."""

    def call(fn: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


def balance(p: Payer) -> Money:
    return ledger_read.balance(account_id=p.account.ledger_account_id)


def available(p: Payer) -> Money:
    return ledger_read.available_balance(account_id=p.account.ledger_account_id)


def approve(run: Any, owner: Payer, batch: PaymentBatch, now: datetime) -> PaymentBatch:
    done: PaymentBatch = run(
        batches.batch_authorise, customer_id=owner.id, batch_id=batch.pk, otp_token=owner.code(), now=now
    )
    return done


class TestUpload:
    def test_each_line_gets_its_own_result(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        # The validation task checks dates against the wall clock, whatever the test's `now`.
        today = timezone.now().date()
        rows = [
            Row("Bob Builder", bob.account.iban, "12.50"),
            Row("Bad Iban", "DE00370400440532013000", "1.00"),
            Row("Too Precise", EXTERNAL_IBAN, "1.005"),
            Row("Nothing", EXTERNAL_IBAN, "0"),
            Row("Dollar Man", EXTERNAL_IBAN, "5.00", currency="USD"),
            Row("Myself", acme.account.iban, "5.00"),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00", reference="Ünïcode ref"),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00", reference="x" * 141),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00", execution_date=str(today - timedelta(days=30))),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00", execution_date=str(today + timedelta(days=400))),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00", execution_date="soon"),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "7.25"),
            Row("Nobody Here", UNKNOWN_OWN_IBAN, "2.00"),
        ]
        batch = run(upload, owner=acme, rows=rows, now=now)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.AWAITING_SCA
        results = {line.line_no: (line.status, line.reason_code) for line in batch.lines.all()}
        assert results == {
            1: (LineStatus.PENDING, ""),
            2: (LineStatus.INVALID, "iban_checksum"),
            3: (LineStatus.INVALID, "too_many_decimals"),
            4: (LineStatus.INVALID, "amount_not_positive"),
            5: (LineStatus.INVALID, "currency_mismatch"),  # the paying account holds EUR
            6: (LineStatus.INVALID, "same_account"),
            7: (LineStatus.INVALID, "reference_charset"),
            8: (LineStatus.INVALID, "reference_too_long"),
            9: (LineStatus.INVALID, "date_in_past"),
            10: (LineStatus.INVALID, "date_too_far"),
            11: (LineStatus.INVALID, "invalid_date"),
            12: (LineStatus.PENDING, ""),
            13: (LineStatus.INVALID, "payee_account_unknown"),  # this bank's code, no account: not for SEPA
        }
        assert (batch.line_count, batch.valid_count, batch.failed_count) == (13, 2, 11)
        assert batch.valid_total_minor == 1975
        assert Payment.objects.count() == 0  # nothing paid before the approval

    def test_each_euro_line_has_its_payee_check_unless_opted_out(
        self, acme: Payer, bob: Payer, run: Any, now: datetime
    ) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "1.00"), Row("Someone Else", EXTERNAL_IBAN, "2.00")]
        checked = run(upload, owner=acme, rows=rows, now=now)
        assert list(checked.lines.values_list("vop_result", flat=True)) == ["MTCH", "NMTC"]
        skipped = run(upload, owner=acme, rows=rows, key="b2", vop_opt_out=True, now=now)
        assert PaymentBatch.objects.get(pk=skipped.pk).vop_opted_out
        assert list(skipped.lines.values_list("vop_result", flat=True)) == ["", ""]

    def test_only_a_business_customer_may_upload(self, bob: Payer, carol: Payer, now: datetime) -> None:
        with pytest.raises(batches.BatchRefused) as refused:
            upload(bob, [Row("Carol Jones", carol.account.iban, "1.00")], now=now)
        assert refused.value.code == "business_only"
        assert PaymentBatch.objects.count() == 0

    def test_another_customers_account_is_refused(self, acme: Payer, bob: Payer, now: datetime) -> None:
        with pytest.raises(batches.BatchRefused) as refused:
            batches.batch_create(
                customer_id=acme.id, source_account_id=bob.account.pk, file=_file(bob), source_format="csv",
                idempotency_key="k", now=now,
            )  # fmt: skip
        assert refused.value.code == "unknown_account"

    def test_the_same_key_replays_and_another_file_with_it_is_refused(
        self, acme: Payer, bob: Payer, now: datetime
    ) -> None:
        first = upload(acme, [Row("Bob Builder", bob.account.iban, "1.00")], now=now)
        assert upload(acme, [Row("Bob Builder", bob.account.iban, "1.00")], now=now).pk == first.pk
        with pytest.raises(batches.BatchRefused) as refused:
            upload(acme, [Row("Bob Builder", bob.account.iban, "2.00")], now=now)
        assert refused.value.code == "idempotency_key_reused"


def _file(bob: Payer) -> Any:
    from tests.apps.payments.batch_factories import lines_of

    return lines_of(Row("Bob Builder", bob.account.iban, "1.00"))


class TestExecution:
    def test_internal_lines_are_posted_together_and_external_ones_held(
        self, acme: Payer, bob: Payer, carol: Payer, run: Any, now: datetime
    ) -> None:
        rows = [
            Row("Bob Builder", bob.account.iban, "100.00"),
            Row("Carol Jones", carol.account.iban, "250.25"),
            Row("Bob Builder", bob.account.iban, "0.75"),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "1000.00"),
            Row("Ext Two", OTHER_EXTERNAL_IBAN, "9.00"),
            Row("Broken", "XX12", "1.00"),
        ]
        batch = run(upload, owner=acme, rows=rows, now=now)
        done = approve(run, acme, batch, now)
        done.refresh_from_db()
        assert done.status == BatchStatus.COMPLETED_WITH_ERRORS
        assert (done.done_count, done.paid_count, done.failed_count) == (5, 5, 1)
        assert done.paid_total_minor == 136000
        lines = {line.line_no: line for line in done.lines.select_related("payment")}
        assert [lines[n].status for n in range(1, 7)] == [
            LineStatus.PAID, LineStatus.PAID, LineStatus.PAID, LineStatus.ACCEPTED, LineStatus.ACCEPTED,
            LineStatus.INVALID,
        ]  # fmt: skip
        assert all(lines[n].payment is not None for n in range(1, 6))
        assert lines[6].payment is None
        # Balances add up: what left acme reached bob and carol, what goes out is held.
        assert balance(bob) == Money.of("100.75", "EUR")
        assert balance(carol) == Money.of("250.25", "EUR")
        assert balance(acme) == Money.of("9649.00", "EUR")
        assert available(acme) == Money.of("8640.00", "EUR")
        external = [lines[4].payment, lines[5].payment]
        assert {p.status for p in external if p} == {"accepted"}
        assert Hold.objects.filter(pk__in=[p.hold_id for p in external if p], status="active").count() == 2
        internal = [lines[n].payment for n in (1, 2, 3)]
        assert all(p is not None and p.status == "settled" and p.entry_id for p in internal)
        assert {p.sca_challenge_id for p in internal if p} == {done.sca_challenge_id}

    def test_the_payer_is_told_once_of_the_bookings_and_each_payee_of_each(
        self, acme: Payer, bob: Payer, carol: Payer, run: Any, now: datetime
    ) -> None:
        rows = [
            Row("Bob Builder", bob.account.iban, "100.00"),
            Row("Carol Jones", carol.account.iban, "250.25"),
            Row("Bob Builder", bob.account.iban, "0.75"),
            Row(EXTERNAL_NAME, EXTERNAL_IBAN, "1000.00"),  # held, not booked: no money has moved yet
        ]
        done = approve(run, acme, run(upload, owner=acme, rows=rows, now=now), now)

        def told(p: Payer) -> list[tuple[str, str]]:
            rows = Notification.objects.filter(customer_id=p.id, kind="accounts.money").order_by("id")
            return list(rows.values_list("title", "body"))

        assert told(acme) == [
            ("Money out: 351.00 EUR", f"351.00 EUR left {acme.account.iban} in 3 payments. Bulk payout {done.pk}")
        ]
        assert [title for title, _ in told(bob)] == ["Money in: 100.00 EUR", "Money in: 0.75 EUR"]
        assert [title for title, _ in told(carol)] == ["Money in: 250.25 EUR"]
        # Every posting is marked told: telling its entry again tells nobody.
        entries = list(Payment.objects.filter(entry__isnull=False).values_list("entry_id", flat=True))
        assert accounts.entries_notify(entry_ids=entries, now=now) == 0

    def test_funds_run_out_line_by_line(self, bob: Payer, run: Any, now: datetime) -> None:
        poor = business(balance="150.00", company="Small Shop SARL")
        rows = [Row("Bob Builder", bob.account.iban, "100.00"), Row("Bob Builder", bob.account.iban, "100.00"),
                Row("Bob Builder", bob.account.iban, "50.00")]  # fmt: skip
        done = approve(run, poor, run(upload, owner=poor, rows=rows, now=now), now)
        done.refresh_from_db()
        assert list(done.lines.values_list("status", "reason_code")) == [
            (LineStatus.PAID, ""), (LineStatus.REJECTED, "AM04"), (LineStatus.PAID, ""),
        ]  # fmt: skip
        assert balance(bob) == Money.of("150.00", "EUR")
        assert balance(poor) == Money(0, "EUR")

    def test_a_rerun_pays_no_line_twice(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row(EXTERNAL_NAME, EXTERNAL_IBAN, "20.00")]
        done = approve(run, acme, run(upload, owner=acme, rows=rows, now=now), now)
        entries, holds = Entry.objects.count(), Hold.objects.count()
        # A crash after the payments committed but with the results lost: the lines wait again.
        PaymentBatchLine.objects.filter(batch=done).update(status=LineStatus.PENDING, payment=None)
        PaymentBatch.objects.filter(pk=done.pk).update(status=BatchStatus.PROCESSING, done_count=0, paid_count=0,
                                                      paid_total_minor=0, failed_count=0)  # fmt: skip
        assert batches.batch_execute(batch_id=done.pk, now=now) == BatchStatus.COMPLETED
        assert batches.batch_execute(batch_id=done.pk, now=now) == BatchStatus.COMPLETED
        assert (Entry.objects.count(), Hold.objects.count()) == (entries, holds)
        assert Payment.objects.count() == 2
        assert balance(bob) == Money.of("10.00", "EUR")
        assert set(done.lines.values_list("status", flat=True)) == {LineStatus.PAID, LineStatus.ACCEPTED}

    def test_a_partner_for_its_business_customer_needs_no_sca(
        self, acme: Payer, bob: Payer, run: Any, now: datetime
    ) -> None:
        batch = run(upload, owner=acme, rows=[Row("Bob Builder", bob.account.iban, "5.00")], partner_id=77, now=now)
        batch.refresh_from_db()
        assert (batch.status, batch.sca_exemption) == (BatchStatus.COMPLETED, "secure_corporate")
        payment = Payment.objects.get()
        assert (payment.sca_exemption, payment.partner_id, payment.channel) == ("secure_corporate", 77, "api")


class TestScaBinding:
    def test_a_changed_payee_after_approval_is_refused(self, acme: Payer, bob: Payer, carol: Payer, run: Any,
                                                        now: datetime) -> None:  # fmt: skip
        batch = run(upload, owner=acme, rows=[Row("Bob Builder", bob.account.iban, "5.00")], now=now)
        challenge_id = sca.challenge_confirm(
            user_id=acme.id, action=sca_read.BATCH_ACTION, details=batches.batch_sca_details(batch=batch),
            otp_token=acme.code(), now=now,
        )  # fmt: skip
        PaymentBatchLine.objects.filter(batch=batch).update(creditor_iban=carol.account.iban)
        with pytest.raises(sca.ChallengeRefused) as refused:
            batches.batch_execute_authorised(customer_id=acme.id, batch_id=batch.pk, challenge_id=challenge_id, now=now)
        assert refused.value.code == "challenge_mismatch"
        assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.AWAITING_SCA
        assert Payment.objects.count() == 0

    def test_a_changed_total_after_approval_is_refused(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        batch = run(upload, owner=acme, rows=[Row("Bob Builder", bob.account.iban, "5.00")], now=now)
        challenge_id = sca.challenge_confirm(
            user_id=acme.id, action=sca_read.BATCH_ACTION, details=batches.batch_sca_details(batch=batch),
            otp_token=acme.code(), now=now,
        )  # fmt: skip
        PaymentBatchLine.objects.filter(batch=batch).update(amount_minor=50000)
        with pytest.raises(sca.ChallengeRefused):
            batches.batch_execute_authorised(customer_id=acme.id, batch_id=batch.pk, challenge_id=challenge_id, now=now)
        assert Payment.objects.count() == 0

    def test_one_approval_executes_one_batch(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        rows = [Row("Bob Builder", bob.account.iban, "5.00")]
        first = run(upload, owner=acme, rows=rows, now=now)
        second = run(upload, owner=acme, rows=rows, key="b2", now=now)
        challenge_id = sca.challenge_confirm(
            user_id=acme.id, action=sca_read.BATCH_ACTION, details=batches.batch_sca_details(batch=first),
            otp_token=acme.code(), now=now,
        )  # fmt: skip
        run(
            batches.batch_execute_authorised, customer_id=acme.id, batch_id=first.pk, challenge_id=challenge_id, now=now
        )
        with pytest.raises(sca.ChallengeRefused) as refused:
            batches.batch_execute_authorised(
                customer_id=acme.id, batch_id=second.pk, challenge_id=challenge_id, now=now
            )
        assert refused.value.code == "challenge_used"
        assert balance(bob) == Money.of("5.00", "EUR")

    def test_a_wrong_code_leaves_it_waiting(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        batch = run(upload, owner=acme, rows=[Row("Bob Builder", bob.account.iban, "5.00")], now=now)
        with pytest.raises(sca.ChallengeRefused):
            batches.batch_authorise(customer_id=acme.id, batch_id=batch.pk, otp_token="000000", now=now)
        assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.AWAITING_SCA

    def test_another_customer_cannot_approve_it(self, acme: Payer, bob: Payer, run: Any, now: datetime) -> None:
        batch = run(upload, owner=acme, rows=[Row("Bob Builder", bob.account.iban, "5.00")], now=now)
        with pytest.raises(batches.BatchNotFound):
            batches.batch_authorise(customer_id=bob.id, batch_id=batch.pk, otp_token=bob.code(), now=now)
