"""Celery tasks of settlement (queue ``settlement``): thin, take ids, pass ``now``, safe to run twice.

Imported through ``CELERY_IMPORTS`` (settings' clearing block). Beat runs the cycle, the
simulator (outside production) and ingest; on the embedded default tasks run inline.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.payments import clearing_chase, clearing_tick, settlement


@shared_task(queue="settlement", acks_late=True)
def settlement_cycle(**_: Any) -> dict[str, Any]:
    result = settlement.settlement_cycle_run(now=timezone.now())
    return {"cycle_id": result.cycle_id, "files": list(result.files), "payments": result.payments}


@shared_task(queue="settlement", acks_late=True)
def clearing_simulate(**_: Any) -> str:
    if not getattr(settings, "SIMULATORS_MOUNTED", False):
        return "simulators are off here"
    return clearing_tick.clearing_simulate_run(now=timezone.now()).line()


@shared_task(queue="settlement", acks_late=True)
def clearing_ingest(**_: Any) -> str:
    result, expired = clearing_tick.clearing_ingest_all(now=timezone.now())
    return f"{result.line()}; {expired} returned from suspense"


@shared_task(queue="settlement", acks_late=True)
def instant_submit(*, payment_id: int, **_: Any) -> str:
    """Send an accepted instant payment now; on the embedded default it is answered inline too."""
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "SIMULATORS_MOUNTED", False):
        return clearing_tick.instant_send_inline(payment_id=payment_id, now=timezone.now())
    return settlement.instant_submit(payment_id=payment_id, now=timezone.now())


@shared_task(queue="settlement", acks_late=True)
def instant_sweep(**_: Any) -> int:
    return len(settlement.instant_sweep(now=timezone.now()))


@shared_task(queue="settlement", acks_late=True)
def submitted_unanswered_chase(**_: Any) -> int:
    return clearing_chase.submitted_unanswered_chase(now=timezone.now())
