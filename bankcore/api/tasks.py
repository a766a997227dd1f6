from celery import shared_task
from django.utils import timezone

from bankcore.api import consents, idempotency, webhooks


@shared_task(queue="default", acks_late=True)
def idempotency_records_purge() -> int:
    return idempotency.idempotency_records_purge(now=timezone.now())


@shared_task(queue="default", acks_late=True)
def consents_expire() -> int:
    """Safe to run twice: a consent already expired is left alone."""
    return consents.consents_expire(now=timezone.now())


@shared_task(queue="webhooks", acks_late=True)
def webhook_deliveries_send() -> int:
    """Safe to run twice and in parallel: each delivery is leased, a delivered one is not due."""
    return webhooks.webhook_deliveries_send(now=timezone.now())
