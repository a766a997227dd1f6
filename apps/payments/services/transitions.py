"""The one way a payment changes status: checked against the table, under a row lock, audited.

Settlement calls ``payment_transition`` for ``submitted`` / ``settled`` / ``rejected`` /
``returned`` after moving the money itself (capture or reversal) in the same transaction. For
the statuses that end a payment without its money leaving (rejected, cancelled) the transition
releases the ledger hold; for those that give the money back (rejected, cancelled, returned) it
releases the KYC usage. Both are safe to run twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.kyc import interface as kyc
from apps.payments import events
from apps.payments.errors import PaymentNotFound, TransitionRefused
from apps.payments.models import TRANSITIONS, Payment, PaymentEvent, PaymentKind, PaymentStatus
from apps.payments.services import instant_dispatch, validation
from bankcore import notifications
from bankcore.events import publish, publish_many
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


def transition_check(payment: Payment, *, to: str) -> None:
    """Raise ``TransitionRefused`` unless the table allows ``payment`` to go to ``to`` (or it is there)."""
    if payment.status != to and to not in TRANSITIONS.get(payment.status, frozenset()):
        raise TransitionRefused(
            f"payment {payment.pk} cannot go from {payment.status} to {to}", code="transition_not_allowed"
        )


def transition_step(
    payment: Payment, *, to: str, actor: str, reason: str, now: datetime, reason_code: str = ""
) -> PaymentEvent | None:
    """Check ``to`` against the table and move ``payment`` there in memory; its timeline line, unsaved.

    None when the payment is there already (a replay). The one place the table is read: the
    per-payment and the bulk transitions both step through it, and write what it returns.
    """
    if payment.status == to:
        return None
    transition_check(payment, to=to)
    from_status = payment.status
    payment.status = to
    if reason_code:
        payment.reason_code = reason_code[:4]
    if reason:
        payment.reason = reason[:500]
    payment.updated_at = now
    return PaymentEvent(
        payment_id=payment.pk,
        from_status=from_status,
        to_status=to,
        actor=actor[:64],
        reason=reason[:500],
        reason_code=payment.reason_code,
        at=now,
    )


def _step_effects(
    payment: Payment, *, to: str, now: datetime, notify: bool, emit: Callable[[str, dict[str, Any]], None]
) -> None:
    """What a status brings with it: the hold and KYC usage given back, the event, the customer told."""
    if to in _RELEASES_HOLD and payment.hold_id is not None:
        # Expired or captured already: nothing of it is reserved any more.
        with contextlib.suppress(HoldNotActive):
            ledger.hold_release(hold_id=payment.hold_id, now=now)
    if to in _RELEASES_LIMITS:
        kyc.limits_release(customer_id=payment.customer_id, kind=kyc.LimitKind.PAYMENT_OUT, ref=payment.ref, now=now)
    event = events.EVENT_FOR_STATUS.get(to)
    if event is not None:
        emit(event, event_payload(payment))
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


_STEP_FIELDS = ("status", "reason_code", "reason", "updated_at")


class PaymentSteps:
    """Several steps of one locked payment in one transaction, written once at ``write``.

    The state machine, the timeline line per step (who, why, when) and each status's effects
    are exactly ``apply_transition``'s; what changes is the writing: one UPDATE of the payment
    with every field the steps and the caller changed (so one history row of the state it
    ends in, where a save per step left one per step), and the timeline lines in one INSERT.
    A payment ordered and booked within the bank takes four steps and one write this way.
    """

    def __init__(self, payment: Payment) -> None:
        self.payment = payment
        self._lines: list[PaymentEvent] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._fields: set[str] = set()
        self._created: dict[str, Any] | None = None

    def publish_created(self) -> None:
        """``payment.created``, saying the status the payment has once these steps are written.

        The order is made in ``awaiting_sca`` and usually moves on in the same transaction (an
        exemption, a partner's secure corporate process): the event must not name a status the
        API never showed for it.
        """
        self._created = event_payload(self.payment)
        self._events.append((events.PAYMENT_CREATED, self._created))

    def line(self, line: PaymentEvent) -> None:
        """A timeline line that is no step of the table (the order itself), written with the steps."""
        self._lines.append(line)

    def publish(self, name: str, payload: dict[str, Any]) -> None:
        """An event of the payment, written with the steps at ``write`` (in step order, all in one statement)."""
        self._events.append((name, payload))

    def changed(self, *fields: str) -> None:
        """Fields the caller set on the payment, written with the steps."""
        self._fields.update(fields)

    def step(
        self, *, to: str, actor: str, reason: str, now: datetime, reason_code: str = "", notify: bool = True
    ) -> bool:
        line = transition_step(self.payment, to=to, actor=actor, reason=reason, now=now, reason_code=reason_code)
        if line is None:
            return False
        self._lines.append(line)
        self._fields.update(_STEP_FIELDS)
        # Effects run now, in step order, as one step at a time ran them: a release must see the
        # hold the step found, an event the payment as the step left it.
        _step_effects(self.payment, to=to, now=now, notify=notify, emit=self.publish)
        return True

    def write(self) -> None:
        if self._created is not None:
            self._created.update(status=self.payment.status, reason_code=self.payment.reason_code)
            self._created = None
        if self._fields:
            self.payment.save(update_fields=sorted(self._fields))
            self._fields.clear()
        if self._lines:
            PaymentEvent.objects.bulk_create(self._lines)
            self._lines.clear()
        if len(self._events) == 1:
            publish(*self._events[0])  # one INSERT; a COPY is worth its extra round trip only for more
        elif self._events:
            publish_many(self._events)
        self._events.clear()


def apply_transition(
    payment: Payment, *, to: str, actor: str, reason: str, now: datetime, reason_code: str = "", notify: bool = True
) -> bool:
    """Move an already locked ``payment`` to ``to``; False when it is there already (a replay).

    Raises ``TransitionRefused`` when the table does not allow the step.
    """
    steps = PaymentSteps(payment)
    moved = steps.step(to=to, actor=actor, reason=reason, now=now, reason_code=reason_code, notify=notify)
    steps.write()
    return moved


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
