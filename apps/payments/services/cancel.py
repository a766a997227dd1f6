"""Cancelling a payment before it leaves the bank."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.payments.errors import PaymentNotFound, TransitionRefused
from apps.payments.models import CANCELLABLE_STATUSES, Payment, PaymentKind, PaymentStatus
from apps.payments.selectors import PaymentView, payment_view
from apps.payments.services.transitions import apply_transition

CANCELLED_CODE = "DS02"  # ISO: order cancelled


def payment_cancel(*, customer_id: int, payment_id: int, actor: str, now: datetime) -> PaymentView:
    """Cancel the customer's payment while it waits (for SCA, or accepted and not yet submitted).

    Its hold and KYC usage are given back. Cancelling a cancelled payment again is harmless; a
    payment submitted to the clearing, booked or finished is refused (``not_cancellable``).
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id, customer_id=customer_id).first()
        if payment is None:
            raise PaymentNotFound(f"no payment {payment_id}")
        if payment.status == PaymentStatus.CANCELLED:
            return payment_view(payment)
        booked = payment.kind == PaymentKind.INTERNAL and payment.entry_id is not None
        if payment.status not in CANCELLABLE_STATUSES or booked:
            raise TransitionRefused(
                f"A payment that is {payment.get_status_display().lower()} can no longer be cancelled.",
                code="not_cancellable",
            )
        apply_transition(
            payment, to=PaymentStatus.CANCELLED, actor=actor, reason="cancelled", reason_code=CANCELLED_CODE, now=now
        )
        return payment_view(payment)
