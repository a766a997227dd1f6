"""payments: Celery tasks. Thin: take ids, pass ``now``, call one service; safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.payments.batch_tasks import payment_batch_execute, payment_batch_validate
from apps.payments.services import standing_orders

__all__ = ["payment_batch_execute", "payment_batch_validate", "payments_scheduled_run"]  # the worker finds them here


@shared_task(queue="default", acks_late=True)
def payments_scheduled_run(**_: object) -> dict[str, int]:
    """Make the standing-order instances that are due and book the due future-dated internal payments."""
    now = timezone.now()
    return {
        "standing_order_instances": standing_orders.standing_orders_run(now=now),
        "scheduled_booked": standing_orders.scheduled_payments_run(now=now),
    }
