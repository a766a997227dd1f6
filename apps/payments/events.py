"""Events the payments app publishes (``bankcore.events.publish``): names and payload shapes.

Every payload is ``{"payment_id": int, "customer_id": int, "status": str, "kind": str,
"amount_minor": int, "currency": str, "reason_code": str}``, ids and plain values only; the
partner API maps ``payment_id`` to its own opaque id.
"""

from __future__ import annotations

PAYMENT_CREATED = "payment.created"
PAYMENT_ACCEPTED = "payment.accepted"
PAYMENT_HELD = "payment.held"
PAYMENT_SUBMITTED = "payment.submitted"
PAYMENT_SETTLED = "payment.settled"
PAYMENT_REJECTED = "payment.rejected"
PAYMENT_RETURNED = "payment.returned"
PAYMENT_CANCELLED = "payment.cancelled"
# An incoming credit transfer booked to an account of this bank (published by settlement):
# {"payment_id": int | None, "account_id": int, "customer_id": int | None, "amount_minor": int,
#  "currency": str, "debtor_name": str}
PAYMENT_RECEIVED = "payment.received"

# The event a transition into a status publishes.
EVENT_FOR_STATUS: dict[str, str] = {
    "accepted": PAYMENT_ACCEPTED,
    "held_for_review": PAYMENT_HELD,
    "submitted": PAYMENT_SUBMITTED,
    "settled": PAYMENT_SETTLED,
    "rejected": PAYMENT_REJECTED,
    "returned": PAYMENT_RETURNED,
    "cancelled": PAYMENT_CANCELLED,
}

ALL = (
    PAYMENT_CREATED,
    PAYMENT_ACCEPTED,
    PAYMENT_HELD,
    PAYMENT_SUBMITTED,
    PAYMENT_SETTLED,
    PAYMENT_REJECTED,
    PAYMENT_RETURNED,
    PAYMENT_CANCELLED,
    PAYMENT_RECEIVED,
)

__all__ = [
    "ALL",
    "EVENT_FOR_STATUS",
    "PAYMENT_ACCEPTED",
    "PAYMENT_CANCELLED",
    "PAYMENT_CREATED",
    "PAYMENT_HELD",
    "PAYMENT_RECEIVED",
    "PAYMENT_REJECTED",
    "PAYMENT_RETURNED",
    "PAYMENT_SETTLED",
    "PAYMENT_SUBMITTED",
]
