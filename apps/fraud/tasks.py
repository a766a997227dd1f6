"""Celery tasks on the ``screening`` queue: each takes IDs, calls one service, and is safe to run twice."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.utils import timezone

from apps.fraud.services import screening, velocity


@shared_task(queue="screening", acks_late=True)
def subject_screen(*, subject_id: int, payment_ref: str = "", **_: object) -> None:
    """Screen a new customer, beneficiary, other party or payment counterparty; a hit opens an alert."""
    screening.subject_screen(subject_id=subject_id, payment_ref=payment_ref, now=timezone.now())


@shared_task(queue="screening", acks_late=True)
def rescreen_start(*, list_version: str, **_: object) -> None:
    run_id = screening.rescreen_start(list_version=list_version, now=timezone.now())
    rescreen_continue.delay(run_id=run_id)


# Chunks are committed one by one; after this long the task hands over to a fresh one, so no
# task runs near the broker's visibility timeout and a lost worker loses at most one chunk.
TASK_BUDGET_SECONDS = 60.0


@shared_task(queue="screening", acks_late=True)
def rescreen_continue(*, run_id: int, **_: object) -> None:
    started = time.monotonic()
    while screening.rescreen_continue(run_id=run_id, now=timezone.now()):
        if time.monotonic() - started > TASK_BUDGET_SECONDS:
            rescreen_continue.delay(run_id=run_id)
            return


@shared_task(queue="screening", acks_late=True)
def rescreen_resume(**_: object) -> None:
    """Beat: pick up re-screens whose chain broke (worker lost between chunks)."""
    for run_id in screening.rescreen_stalled(now=timezone.now()):
        rescreen_continue.delay(run_id=run_id)


def on_list_updated(event_id: str, payload: dict[str, Any]) -> None:
    """Event handler (fraud.sanctions.list_updated): start the re-screen of the new version."""
    rescreen_start.delay(list_version=payload["version"])


@shared_task(queue="screening", acks_late=True)
def buckets_prune(**_: object) -> None:
    """Beat: drop velocity buckets older than any window reads."""
    velocity.buckets_prune(now=timezone.now())
