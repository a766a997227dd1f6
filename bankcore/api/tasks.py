from celery import shared_task
from django.utils import timezone

from bankcore.api import idempotency


@shared_task(queue="default", acks_late=True)
def idempotency_records_purge() -> int:
    return idempotency.idempotency_records_purge(now=timezone.now())
