"""accounts: event handlers and Celery tasks (thin: one service call each, safe to run twice)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from apps.accounts.errors import AccountRefused
from apps.accounts.services import opening

log = logging.getLogger(__name__)


def on_kyc_case_approved(event_id: str, payload: dict[str, Any]) -> None:
    """Event handler (kyc.case.approved): the customer's first current account opens by itself.

    Idempotent twice over: the outbox runs it once per event, and the service opens nothing when
    a current account exists. A refusal (a tier the product does not allow) is logged, not
    retried: retrying would refuse again.
    """
    try:
        opening.first_current_account_open(customer_id=int(payload["customer_id"]), now=timezone.now())
    except AccountRefused as refused:
        log.warning("first account not opened", extra={"event_id": event_id, "code": refused.code})
