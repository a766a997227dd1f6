"""An accepted instant payment is sent to the clearing house at once, not at the next sweep.

DESIGN.md §5: instant pacs.008 files are written at once, one transaction a file. The payment's
transaction enqueues ``clearing_tasks.instant_submit`` when it commits (by task name: services do
not import tasks); ``instant_sweep`` on beat stays the safety net for an enqueue that was lost (the
broker down, the process killed between commit and send). Sending twice changes nothing: the
payment's ``PaymentSubmission`` is unique, so the second send finds its file and MsgId.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)

SUBMIT_TASK = "apps.payments.clearing_tasks.instant_submit"
QUEUE = "settlement"


def instant_submit_enqueue(*, payment_id: int) -> None:
    """Send the instant payment once the caller's transaction commits (nothing if it rolls back).

    ``robust``: the payment is committed already; a broker that cannot take the task (or, on the
    embedded default, an inline answer that fails) is logged and left to the sweep, never turned
    into an error for whoever accepted the payment.
    """

    def send() -> None:
        current_app.tasks[SUBMIT_TASK].apply_async(kwargs={"payment_id": payment_id}, queue=QUEUE)

    transaction.on_commit(send, robust=True)
