"""The one way a payment changes status: checked against the table, under a row lock, audited.

Settlement calls ``payment_transition`` for ``submitted`` / ``settled`` / ``rejected`` /
``returned`` after moving the money itself (capture or reversal) in the same transaction. For
the statuses that end a payment without its money leaving (rejected, cancelled) the transition
releases the ledger hold; for those that give the money back (rejected, cancelled, returned) it
releases the KYC usage. Both are safe to run twice.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.db import transaction

from apps.kyc import interface as kyc
from apps.payments import events
from apps.payments.errors import PaymentNotFound, TransitionRefused
from apps.payments.models import TRANSITIONS, Payment, PaymentEvent, PaymentKind, PaymentStatus
from apps.payments.services import instant_dispatch, validation
from bankcore import notifications
from bankcore.events import publish
from bankcore.ledger import services as ledger
from bankcore.ledger.errors import HoldNotActive
from bankcore.money import Money

NOTIFY_KIND = "payments"

_RELEASES_HOLD = frozenset({PaymentStatus.REJECTED, PaymentStatus.CANCELLED})
_RELEASES_LIMITS = frozenset({PaymentStatus.REJECTED, PaymentStatus.CANCELLED, PaymentStatus.RETURNED})
_TOLD = {
    PaymentStatus.SETTLED: "Payment made",
    PaymentStatus.REJECTED: "Payment rejected",
    PaymentStatus.RETURNED: "Payment returned",
    PaymentStatus.CANCELLED: "Payment cancelled",
    PaymentStatus.HELD_FOR_REVIEW: "Payment held for a check",
}


def payment_lock(*, payment_id: int) -> Payment:
    """The payment, locked until the caller's transaction ends (SELECT … FOR UPDATE)."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(f"no payment {payment_id}")
    return payment


def event_payload(payment: Payment) -> dict[str, object]:
    return {
        "payment_id": payment.pk,
        "customer_id": payment.customer_id,
        "status": payment.status,
        "kind": payment.kind,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "reason_code": payment.reason_code,
    }


def timeline_add(*, payment: Payment, from_status: str, actor: str, reason: str, now: datetime) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        from_status=from_status,
        to_status=payment.status,
        actor=actor[:64],
        reason=reason[:500],
        reason_code=payment.reason_code,
        at=now,
    )


def apply_transition(
    payment: Payment, *, to: str, actor: str, reason: str, now: datetime, reason_code: str = "", notify: bool = True
) -> bool:
    """Move an already locked ``payment`` to ``to``; False when it is there already (a replay).

    Raises ``TransitionRefused`` when the table does not allow the step.
    """
    if payment.status == to:
        return False
    if to not in TRANSITIONS.get(payment.status, frozenset()):
        raise TransitionRefused(
            f"payment {payment.pk} cannot go from {payment.status} to {to}", code="transition_not_allowed"
        )
    from_status = payment.status
    payment.status = to
    if reason_code:
        payment.reason_code = reason_code[:4]
    if reason:
        payment.reason = reason[:500]
    payment.updated_at = now
    payment.save(update_fields=["status", "reason_code", "reason", "updated_at"])
    timeline_add(payment=payment, from_status=from_status, actor=actor, reason=reason, now=now)
    if to in _RELEASES_HOLD and payment.hold_id is not None:
        # Expired or captured already: nothing of it is reserved any more.
        with contextlib.suppress(HoldNotActive):
            ledger.hold_release(hold_id=payment.hold_id, now=now)
    if to in _RELEASES_LIMITS:
        kyc.limits_release(customer_id=payment.customer_id, kind=kyc.LimitKind.PAYMENT_OUT, ref=payment.ref, now=now)
    event = events.EVENT_FOR_STATUS.get(to)
    if event is not None:
        publish(event, event_payload(payment))
    if to == PaymentStatus.ACCEPTED and payment.kind == PaymentKind.INSTANT:
        _instant_send_when_due(payment, now=now)
    # Wallet withdrawals are told by the wallet; an internal booking by the accounts it moved.
    booked_internally = to == PaymentStatus.SETTLED and payment.kind == "internal"
    if notify and to in _TOLD and payment.channel != "wallet" and not booked_internally:
        amount = Money(payment.amount_minor, payment.currency)
        why = f" ({payment.reason_code})" if payment.reason_code else ""
        notifications.notify(
            customer_id=payment.customer_id,
            kind=NOTIFY_KIND,
            title=_TOLD[PaymentStatus(to)],
            body=f"{amount} to {payment.creditor_name}{why}.",
            link=f"/app/payments/{payment.pk}/",
            now=now,
        )
    return True


def _instant_send_when_due(payment: Payment, *, now: datetime) -> None:
    # Every way into ``accepted`` (checks passed, a fraud case released it) sends it at once.
    if payment.execution_date <= validation.bank_today(now):
        instant_dispatch.instant_submit_enqueue(payment_id=payment.pk)


def payment_transition(
    *, payment_id: int, to: str, actor: str, reason: str, now: datetime, reason_code: str = ""
) -> bool:
    """Move the payment to status ``to`` if the state machine allows it; True if it changed.

    Takes the payment's row lock, writes a timeline line (who, why, when), publishes the
    status's event, tells the customer, releases the hold / KYC usage where the status ends the
    payment. Moving to the status it has already is a no-op (False), so a replayed report or a
    second delivery of an event is harmless; any other step the table does not allow raises
    ``TransitionRefused``.
    """
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        return apply_transition(payment, to=to, actor=actor, reason=reason, now=now, reason_code=reason_code)
