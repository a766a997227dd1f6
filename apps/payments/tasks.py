"""payments: Celery tasks. Thin: take ids, pass ``now``, call one service; safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.payments.batch_tasks import payment_batch_execute, payment_batch_validate
from apps.payments.services import reviews, standing_orders

__all__ = [  # the worker finds them here
    "payment_batch_execute", "payment_batch_validate", "payments_scheduled_run", "review_holds_extend",
]  # fmt: skip


@shared_task(queue="default", acks_late=True)
def payments_scheduled_run(**_: object) -> dict[str, int]:
    """Make the standing-order instances that are due and book the due future-dated internal payments."""
    now = timezone.now()
    return {
        "standing_order_instances": standing_orders.standing_orders_run(now=now),
        "scheduled_booked": standing_orders.scheduled_payments_run(now=now),
    }


@shared_task(queue="default", acks_late=True)
def review_holds_extend(**_: object) -> int:
    """Keep the holds of payments waiting for their fraud case (daily)."""
    return reviews.review_holds_extend(now=timezone.now())
