"""Many payments through the same step at once: what a cycle's file or a status report does.

The same step as ``services.transitions.apply_transition`` (``transition_check`` and
``transition_step``: the state machine's table, a timeline line each), with the status's event
each and the audit history, written in a few statements
instead of a handful per payment, for the two steps settlement takes by the thousand:
``submitted`` and ``settled`` (neither releases a hold or KYC usage). The customer is told once
per report: one message for one payment, one summary for several.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from apps.payments import events
from apps.payments.models import Payment, PaymentEvent, PaymentStatus
from apps.payments.services.transitions import NOTIFY_KIND, event_payload, transition_check, transition_step
from bankcore import bulk, notifications
from bankcore.events.models import OutboxEvent
from bankcore.money import Money

CHUNK = 2000
BULK_STEPS = frozenset({PaymentStatus.SUBMITTED, PaymentStatus.SETTLED})


def transition_many(payments: Sequence[Payment], *, to: str, actor: str, reason: str, now: datetime) -> int:
    """Move locked ``payments`` to ``to`` (``submitted`` or ``settled``); how many moved.

    Payments already there are left alone (a replay); any other step the table does not allow
    raises ``TransitionRefused`` and nothing is written.
    """
    if to not in BULK_STEPS:
        raise ValueError(f"only {sorted(BULK_STEPS)} move in bulk")
    # The table and the in-memory step are ``transition_step``'s, the per-payment path's own:
    # every payment is checked before any is moved, so a refusal writes nothing.
    for payment in payments:
        transition_check(payment, to=to)
    moving = [p for p in payments if p.status != to]
    if not moving:
        return 0
    lines = [
        line
        for payment in moving
        if (line := transition_step(payment, to=to, actor=actor, reason=reason, now=now)) is not None
    ]
    ids = [payment.pk for payment in moving]
    # One UPDATE per chunk: every row gets the same values (bulk_update's CASE per row costs more).
    for start in range(0, len(ids), CHUNK):
        Payment.objects.filter(pk__in=ids[start : start + CHUNK]).update(status=to, reason=reason[:500], updated_at=now)
    bulk.history_insert(Payment, moving, at=now, change="~")
    bulk.rows_append(PaymentEvent, lines)
    name = events.EVENT_FOR_STATUS[to]
    bulk.rows_append(
        OutboxEvent, [OutboxEvent(name=name, payload=event_payload(payment), created_at=now) for payment in moving]
    )
    if to == PaymentStatus.SETTLED:
        _tell(moving, now=now)
    return len(moving)


def _tell(payments: Sequence[Payment], *, now: datetime) -> None:
    by_customer: dict[int, list[Payment]] = defaultdict(list)
    for payment in payments:
        if payment.channel != "wallet":  # a wallet withdrawal is told by the wallet
            by_customer[payment.customer_id].append(payment)
    for customer_id, theirs in by_customer.items():
        if len(theirs) == 1:
            (payment,) = theirs
            title = "Payment made"
            body = f"{Money(payment.amount_minor, payment.currency)} to {payment.creditor_name}."
            link = f"/app/payments/{payment.pk}/"
        else:
            total = Money(sum(p.amount_minor for p in theirs), theirs[0].currency)
            title = f"{len(theirs)} payments made"
            body = f"{len(theirs)} payments, {total} in all, have reached the payees' banks."
            link = "/app/payments/"
        notifications.notify(customer_id=customer_id, kind=NOTIFY_KIND, title=title, body=body, link=link, now=now)
