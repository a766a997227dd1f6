"""KYC tasks: each takes IDs, calls one service, and is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.kyc import selectors
from apps.kyc.services import cases, review

# A screening takes well under a second; a case submitted this long ago lost its task.
SCREENING_STALLED_AFTER = timedelta(minutes=10)


@shared_task(name="apps.kyc.tasks.case_screen", queue="screening", acks_late=True)
def case_screen(*, case_id: int, **_: object) -> None:
    """Screen a submitted case's customer and beneficial owners, rate it, put it in review."""
    cases.case_screen(case_id=case_id, now=timezone.now())


@shared_task(name="apps.kyc.tasks.reviews_due", acks_late=True)
def reviews_due(**_: object) -> None:
    """Beat (daily): open due periodic reviews, restrict customers past the grace period."""
    review.reviews_due_process(now=timezone.now())


@shared_task(name="apps.kyc.tasks.screening_resume", queue="screening", acks_late=True)
def screening_resume(**_: object) -> None:
    """Beat: screen again the cases whose screening task was lost (a worker died, the broker lost it)."""
    for case_id in selectors.cases_awaiting_screening(submitted_before=timezone.now() - SCREENING_STALLED_AFTER):
        case_screen.delay(case_id=case_id)
