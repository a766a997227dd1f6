"""Celery tasks of bulk payouts (queue ``settlement``): thin, take the batch's id, pass ``now``, safe twice.

Enqueued after commit by ``services.batches``; on the embedded default they run inline.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from apps.payments.services import batches


@shared_task(queue="settlement", acks_late=True)
def payment_batch_validate(*, batch_id: int, **_: Any) -> str:
    return batches.batch_validate(batch_id=batch_id, now=timezone.now())


@shared_task(queue="settlement", acks_late=True)
def payment_batch_execute(*, batch_id: int, **_: Any) -> str:
    return batches.batch_execute(batch_id=batch_id, now=timezone.now())
