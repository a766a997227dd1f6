"""A held payment and its fraud case: the case's outcome is the only thing that moves it on.

Handlers of ``fraud.case.released`` / ``fraud.case.rejected`` / ``fraud.alert.opened`` (with
``hold``), run by the outbox relay at most once per event, and idempotent besides: a payment
already where the event would put it is left alone.

A payment a bulk payout made has its batch line follow it in the same transaction
(``batches.batch_line_follow``): the line leaves the held count for the paid or the failed one,
and the batch ends once its last held line is decided. The batch is locked right after the
payment, before any ledger call, as batch execution takes the batch before the ledger.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.payments.models import Payment, PaymentKind, PaymentStatus
from apps.payments.services import batches, initiate
from apps.payments.services.transitions import apply_transition, payment_lock
from bankcore.ledger import services as ledger

log = logging.getLogger(__name__)


def review_holds_extend(*, now: datetime) -> int:
    """Keep the funds of payments still waiting for their fraud case reserved, however long the case
    takes (a hold ends ``initiate.HOLD_MARGIN`` after the execution day); returns how many holds were
    extended. Safe to run twice."""
    waiting = Payment.objects.filter(status=PaymentStatus.HELD_FOR_REVIEW, hold_id__isnull=False)
    held = {hold_id: pk for hold_id, pk in waiting.values_list("hold_id", "pk") if hold_id is not None}
    extended, lapsed = ledger.holds_keep(hold_ids=list(held), until=now + initiate.HOLD_MARGIN, now=now)
    for hold_id in lapsed:
        log.warning("review hold lapsed before its case decided", extra={"payment": held[hold_id]})
    return extended


def _payment_id(payload: dict[str, Any]) -> int | None:
    ref = str(payload.get("payment_ref") or "")
    prefix, _, number = ref.partition(":")
    if prefix != "payment" or not number.isdigit():
        return None  # another context's transaction (wallet-transfer:…)
    return int(number)


def payment_case_released(*, payment_id: int, alert_id: int | None, now: datetime) -> bool:
    """The fraud case cleared a held payment: accept it (and book it when internal and due)."""
    actor = f"fraud-case:{alert_id}" if alert_id else "fraud-case"
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        line = batches.batch_line_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.HELD_FOR_REVIEW:
            return False
        if payment.fraud_alert_id is not None and alert_id is not None and payment.fraud_alert_id != alert_id:
            # Another case holds it too (a later hit): only that case's outcome releases it now.
            log.info("release by another case ignored", extra={"payment": payment_id, "alert": alert_id})
            return False
        apply_transition(payment, to=PaymentStatus.ACCEPTED, actor=actor, reason="released by the fraud case", now=now)
        if payment.kind == PaymentKind.INTERNAL:
            # Booked in the release's transaction: a batch line then says at once where its money went.
            initiate.payment_execute(payment_id=payment_id, actor=actor, reason="booked after the fraud case", now=now)
        if line is not None:
            batches.batch_line_follow(line=line, payment=payment_lock(payment_id=payment_id), now=now)
    return True


def payment_case_rejected(*, payment_id: int, alert_id: int | None, now: datetime) -> bool:
    """The fraud case refused a held payment: reject it; its hold and limit usage are given back."""
    actor = f"fraud-case:{alert_id}" if alert_id else "fraud-case"
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        line = batches.batch_line_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.HELD_FOR_REVIEW:
            return False
        moved = apply_transition(
            payment,
            to=PaymentStatus.REJECTED,
            actor=actor,
            reason="refused by the fraud case",
            reason_code=initiate.Reason.FRAUD,
            now=now,
        )
        if line is not None:
            batches.batch_line_follow(line=line, payment=payment, now=now)
        return moved


def payment_hold_for_alert(*, payment_id: int, alert_id: int, now: datetime) -> bool:
    """A hit found after acceptance holds the payment if it has not left yet."""
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.ACCEPTED:
            return False
        payment.fraud_alert_id = alert_id
        payment.save(update_fields=["fraud_alert_id"])
        return apply_transition(
            payment,
            to=PaymentStatus.HELD_FOR_REVIEW,
            actor=f"fraud-case:{alert_id}",
            reason="a fraud case holds this payment",
            now=now,
        )


# --- event handlers (subscribed in apps.py) ----------------------------------------------------------


def on_case_released(event_id: str, payload: dict[str, Any]) -> None:
    payment_id = _payment_id(payload)
    if payment_id is not None and Payment.objects.filter(pk=payment_id).exists():
        payment_case_released(payment_id=payment_id, alert_id=payload.get("alert_id"), now=timezone.now())


def on_case_rejected(event_id: str, payload: dict[str, Any]) -> None:
    payment_id = _payment_id(payload)
    if payment_id is not None and Payment.objects.filter(pk=payment_id).exists():
        payment_case_rejected(payment_id=payment_id, alert_id=payload.get("alert_id"), now=timezone.now())


def on_alert_opened(event_id: str, payload: dict[str, Any]) -> None:
    payment_id = _payment_id(payload)
    alert_id = payload.get("alert_id")
    if not payload.get("hold") or payment_id is None or not isinstance(alert_id, int):
        return
    if Payment.objects.filter(pk=payment_id).exists():
        payment_hold_for_alert(payment_id=payment_id, alert_id=alert_id, now=timezone.now())
