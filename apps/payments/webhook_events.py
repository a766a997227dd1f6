"""Payments' public webhook event types (``bankcore.api.webhooks``), registered in ``apps.ready``.

The outbox payload has internal ids; the partner is told the payment's API id (its ``tx_id``), its
status, amount and reason code, and the consent it was made with. Who is told: a payment made
with a partner's single-payment consent goes to that partner only; any other payment to the
partners acting for its customer (the visibility rule's first case). Nobody else's.
"""

from __future__ import annotations

from typing import Any

from apps.payments import events
from apps.payments.models import Payment
from bankcore.api.webhooks import WebhookSubject, webhook_event_type_register
from bankcore.money import Money

DESCRIPTIONS = {
    events.PAYMENT_CREATED: "A payment was ordered.",
    events.PAYMENT_ACCEPTED: "A payment passed its checks; its money is held or booked.",
    events.PAYMENT_HELD: "A payment is held for a review.",
    events.PAYMENT_SUBMITTED: "A payment was sent to the clearing house.",
    events.PAYMENT_SETTLED: "A payment reached the creditor's bank (or was booked within the bank).",
    events.PAYMENT_REJECTED: "A payment was rejected; reason_code says why.",
    events.PAYMENT_RETURNED: "A settled payment came back; reason_code says why.",
    events.PAYMENT_CANCELLED: "A payment was cancelled before it was sent.",
}


def payment_subject(payload: dict[str, Any]) -> WebhookSubject | None:
    payment = (
        Payment.objects.filter(pk=int(payload["payment_id"]))
        .only("tx_id", "customer_id", "consent_id", "partner_id", "amount_minor", "currency")
        .first()
    )
    if payment is None:
        return None
    data = {
        "payment_id": payment.tx_id,
        "status": payload.get("status"),
        "amount": Money(payment.amount_minor, payment.currency).to_decimal_string(),
        "currency": payment.currency,
        "reason_code": payload.get("reason_code") or None,
        "consent_id": payment.consent_id,
    }
    if payment.consent_id and payment.partner_id is not None:
        return WebhookSubject(data=data, application_id=payment.partner_id)
    return WebhookSubject(data=data, customer_id=payment.customer_id, account_id=None, access="payments")


def register() -> None:
    for name, description in DESCRIPTIONS.items():
        webhook_event_type_register(name, description=description, subject=payment_subject)
