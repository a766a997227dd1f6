from celery import shared_task
from django.utils import timezone

from bankcore.ledger import services


@shared_task(queue="default", acks_late=True)
def holds_expire() -> int:
    """Expire the holds whose time has come (beat runs it every minute; safe to run twice)."""
    return services.holds_expire(now=timezone.now())
