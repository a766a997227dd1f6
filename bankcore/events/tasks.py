from celery import shared_task
from django.utils import timezone

from bankcore.events import services


@shared_task(queue="default", acks_late=True)
def outbox_relay() -> int:
    return services.outbox_relay(now=timezone.now())
