"""wallets: Celery tasks. Each takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from apps.wallets.errors import WalletRefused
from apps.wallets.services import requests, reviews, topups


@shared_task(queue="default", acks_late=True)
def topup_capture(*, topup_id: int, **_: Any) -> None:
    topups.topup_capture(topup_id=topup_id, now=timezone.now())


# The acquirer may be down for a while: the customer's money must still go back to the card.
@shared_task(queue="default", acks_late=True, autoretry_for=(WalletRefused,), retry_backoff=60, max_retries=48)
def topup_give_back(*, topup_id: int, **_: Any) -> None:
    topups.topup_give_back(topup_id=topup_id)


@shared_task(queue="default", acks_late=True)
def requests_expire(**_: Any) -> int:
    return requests.requests_expire(now=timezone.now())


@shared_task(queue="default", acks_late=True)
def review_holds_extend(**_: Any) -> int:
    return reviews.review_holds_extend(now=timezone.now())
