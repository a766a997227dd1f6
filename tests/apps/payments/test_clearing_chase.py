"""A submitted SEPA payment the clearing house never answers goes to the exceptions queue, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import LazySettings
from django.test import Client

from apps.payments import clearing_tasks
from apps.payments.clearing_chase import submitted_unanswered_chase
from apps.payments.clearing_tick import clearing_tick_run
from apps.payments.models import Payment, PaymentStatus
from apps.payments.models.settlement import ClearingException
from tests.apps.payments.settlement_factories import NOW, accepted_payment, clearing_env, funded_account
from tests.apps.payments.test_settlement_admin import operator

__all__ = ["clearing_env", "operator"]
pytestmark = pytest.mark.usefixtures("clearing_env")
NO_REPORT = ClearingException.Kind.NO_STATUS_REPORT


def unanswered(now: datetime = NOW) -> Payment:
    payment = accepted_payment(account=funded_account(now=now), creditor_name="SIM NOANSWER", now=now)
    clearing_tick_run(now=now)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUBMITTED
    return payment


def test_chased_after_two_business_days_once(now: datetime) -> None:
    payment = unanswered()  # a Wednesday's file, settling that day
    assert submitted_unanswered_chase(now=NOW + timedelta(days=1)) == 0
    assert submitted_unanswered_chase(now=NOW + timedelta(days=2)) == 1
    assert submitted_unanswered_chase(now=NOW + timedelta(days=3)) == 0
    exception = ClearingException.objects.get(payment=payment)
    assert exception.kind == NO_REPORT
    assert exception.file.submissions.get().payment_id == payment.pk
    assert "no status report after 2 business day(s)" in exception.detail
    # The payment waits for its report as before: nothing about it changed.
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUBMITTED


def test_target_closing_days_do_not_count() -> None:
    christmas_eve = datetime(2026, 12, 24, 8, 0, tzinfo=UTC)  # Thursday; the 25th (Friday) is a closing day
    unanswered(christmas_eve)
    assert submitted_unanswered_chase(now=datetime(2026, 12, 28, 12, 0, tzinfo=UTC)) == 0  # one business day
    assert submitted_unanswered_chase(now=datetime(2026, 12, 29, 12, 0, tzinfo=UTC)) == 1


def test_answered_payments_are_not_chased() -> None:
    account = funded_account()
    settled = accepted_payment(account=account)
    rejected = accepted_payment(account=account, creditor_name="SIM REJECT AC04")
    clearing_tick_run(now=NOW)
    assert {p.status for p in Payment.objects.filter(pk__in=[settled.pk, rejected.pk])} == {"settled", "rejected"}
    assert submitted_unanswered_chase(now=NOW + timedelta(days=10)) == 0
    assert not ClearingException.objects.exists()


def test_the_days_are_a_setting(settings: LazySettings) -> None:
    unanswered()
    settings.PAYMENTS_SUBMITTED_CHASE_DAYS = 3
    assert submitted_unanswered_chase(now=NOW + timedelta(days=2)) == 0
    assert submitted_unanswered_chase(now=NOW + timedelta(days=5)) == 1  # Monday: the third business day
    settings.PAYMENTS_SUBMITTED_CHASE_DAYS = 0
    with pytest.raises(ValueError, match="PAYMENTS_SUBMITTED_CHASE_DAYS"):
        submitted_unanswered_chase(now=NOW)


def test_the_beat_task_chases_and_staff_see_it(client: Client, operator: object) -> None:
    payment = unanswered(datetime(2026, 11, 4, 8, 0, tzinfo=UTC))  # the task runs at the real time, later
    assert clearing_tasks.submitted_unanswered_chase.apply().get() == 1
    page = client.get("/admin/payments/clearingexception/?kind=no_status_report")
    assert page.status_code == 200
    text = page.content.decode()
    assert "No status report: submitted, never answered" in text
    assert ClearingException.objects.get().payment_id == payment.pk
