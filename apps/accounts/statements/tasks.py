"""Celery tasks of statements, interest and fees (thin: one service call each, safe to run twice)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.accounts import interest
from apps.accounts.statements import jobs


@shared_task(queue="reports", acks_late=True)
def statement_job_run(*, job_id: int, **_: object) -> None:
    try:
        jobs.statement_job_run(job_id=job_id, now=timezone.now())
    except Exception:
        # Shown on the portal as failed (the customer can ask again); the error itself is logged
        # with its traceback by Celery, and the task counts as failed there.
        jobs.statement_job_fail(job_id=job_id, error="the statement could not be made", now=timezone.now())
        raise


@shared_task(queue="reports", acks_late=True)
def statements_monthly(**_: object) -> None:
    jobs.statements_monthly_request(now=timezone.now())


@shared_task(queue="default", acks_late=True)
def interest_daily(**_: object) -> None:
    """Accrue (and post, on posting days) through yesterday in bank time: a day that has ended."""
    now = timezone.now()
    interest.interest_run(run_date=interest.bank_date(now) - timedelta(days=1), now=now)


def ready() -> None:
    """Called from the app's ``ready``: register what statements send to customers."""
    from bankcore import notifications

    notifications.register_kind(jobs.NOTIFY_KIND, label="Statements")
