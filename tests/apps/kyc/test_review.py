"""Periodic review: due cases reopen and the customer is told; past the grace period they are restricted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apps.kyc import interface as kyc
from apps.kyc import services
from apps.kyc.models import CaseReason, CaseState, CustomerKyc, KycCase
from apps.kyc.services.review import OVERDUE_REASON
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW
from tests.apps.kyc.factories import case_in_review

pytestmark = pytest.mark.django_db

DUE = date(2031, 11, 10)  # a low-risk customer approved on NOW is reviewed five years later


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture
def approved(customer: User, officer: User) -> User:
    case_id = case_in_review(customer.pk, NOW)
    services.case_approve(case_id=case_id, officer_id=officer.pk, reason="documents match", now=NOW)
    assert kyc.customer_status(customer_id=customer.pk).next_review_date == DUE
    return customer


def test_nothing_is_due_the_day_before(approved: User) -> None:
    assert services.reviews_due_process(now=at(DUE - timedelta(days=1))) == (0, 0)
    assert KycCase.objects.filter(customer=approved).count() == 1


def test_on_the_review_date_a_case_opens_in_review_and_the_customer_is_told(approved: User) -> None:
    assert services.reviews_due_process(now=at(DUE)) == (1, 0)
    case = KycCase.objects.filter(customer=approved).latest("pk")
    assert (case.state, case.reason_opened, case.risk_rating) == (
        CaseState.IN_REVIEW,
        CaseReason.PERIODIC_REVIEW,
        "low",
    )
    assert Notification.objects.filter(customer=approved, title="Time to review your details").count() == 1
    assert services.reviews_due_process(now=at(DUE)) == (0, 0)  # safe to run again
    assert kyc.customer_status(customer_id=approved.pk).restricted is False


def test_restricted_only_after_the_grace_period(approved: User, settings: object) -> None:
    services.reviews_due_process(now=at(DUE))
    assert services.reviews_due_process(now=at(DUE + timedelta(days=30))) == (0, 0)  # last day of grace
    assert kyc.customer_status(customer_id=approved.pk).restricted is False
    assert services.reviews_due_process(now=at(DUE + timedelta(days=31))) == (0, 1)
    status = kyc.customer_status(customer_id=approved.pk)
    assert (status.restricted, status.tier) == (True, 2)
    assert CustomerKyc.objects.get(customer=approved).restricted_reason == OVERDUE_REASON
    assert services.reviews_due_process(now=at(DUE + timedelta(days=32))) == (0, 0)


def test_approving_the_review_lifts_the_restriction_and_sets_the_next_date(approved: User, officer: User) -> None:
    services.reviews_due_process(now=at(DUE + timedelta(days=40)))
    assert kyc.customer_status(customer_id=approved.pk).restricted is True
    review = KycCase.objects.filter(customer=approved).latest("pk")
    services.case_approve(
        case_id=review.pk, officer_id=officer.pk, reason="still the same", now=at(DUE + timedelta(days=41))
    )
    status = kyc.customer_status(customer_id=approved.pk)
    assert (status.restricted, status.next_review_date) == (False, date(2036, 12, 21))


def test_a_customer_never_approved_has_no_review(customer: User) -> None:
    case_in_review(customer.pk, NOW)
    assert services.reviews_due_process(now=at(DUE + timedelta(days=400))) == (0, 0)


def test_the_beat_task_runs_the_review(approved: User, settings: object) -> None:
    from apps.kyc import tasks

    assert "apps.kyc.tasks.reviews_due" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}  # type: ignore[attr-defined]
    tasks.reviews_due.apply()  # today is long before the review date: nothing to do, and no error
    assert KycCase.objects.filter(customer=approved).count() == 1


def test_a_case_whose_screening_task_was_lost_is_screened_by_the_beat(customer: User) -> None:
    from apps.kyc import tasks
    from tests.apps.kyc.document_files import attach_documents
    from tests.apps.kyc.factories import person_data

    services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
    attach_documents(customer_id=customer.pk, now=NOW)
    case_id = services.case_submit(customer_id=customer.pk, now=NOW)  # its on-commit task never runs here
    tasks.screening_resume.apply()
    assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW
