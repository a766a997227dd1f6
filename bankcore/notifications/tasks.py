from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from bankcore.notifications import services


@shared_task(queue="default", acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notification_email(*, notification_id: int, **_: object) -> None:
    services.notification_email_deliver(notification_id=notification_id, now=timezone.now())
