"""Standing orders: authorised once with SCA, then each instance made on its day by a beat task.

Monthly orders keep their day of the month (the 31st falls on the last day of shorter months);
every instance is moved to a TARGET business day (modified following). An instance is a payment
like any other, through the whole spine; without funds that instance is rejected (AM04) and the
customer is told, and the order goes on.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from apps.payments import selectors
from apps.payments.errors import PaymentInvalid, PaymentRefused, StandingOrderNotFound, StandingOrderRefused
from apps.payments.models import PaymentChannel, StandingOrder, StandingOrderFrequency, StandingOrderStatus
from apps.payments.services import initiate, validation
from apps.payments.services.calendar import add_months, business_day_adjust
from bankcore import notifications
from bankcore.money import Money
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

log = logging.getLogger(__name__)

ACTION = "standing_order"
NOTIFY_KIND = "payments"


def standing_order_sca_details(
    *, amount: Money, creditor_iban: str, creditor_name: str, frequency: str, start_date: date
) -> dict[str, Any]:
    return {
        "amount": amount.to_decimal_string(),
        "currency": amount.currency,
        "creditor_iban": creditor_iban,
        "creditor_name": creditor_name,
        "frequency": frequency,
        "start_date": start_date.isoformat(),
    }


def scheduled_date(*, order: StandingOrder, seq: int) -> date:
    """The ``seq``-th day of the order (0 = the first), before business-day adjustment."""
    if order.frequency == StandingOrderFrequency.WEEKLY:
        return order.start_date + timedelta(weeks=seq)
    return add_months(order.start_date, seq, day_of_month=order.day_of_month or order.start_date.day)


def _finished(order: StandingOrder, seq: int) -> bool:
    if order.count is not None and seq >= order.count:
        return True
    return order.end_date is not None and scheduled_date(order=order, seq=seq) > order.end_date


def standing_order_validate(
    *,
    customer_id: int,
    source_account_id: int,
    beneficiary_id: int,
    amount: Money,
    reference: str,
    frequency: str,
    start_date: date,
    end_date: date | None,
    count: int | None,
    now: datetime,
) -> initiate.PaymentDraft:
    """Check an order as its first payment would be checked (no payee check, nothing written)."""
    if frequency not in StandingOrderFrequency.values:
        raise StandingOrderRefused("Choose weekly or monthly.", code="invalid_frequency", field="frequency")
    if end_date is not None and end_date < start_date:
        raise StandingOrderRefused("The end date is before the start.", code="end_before_start", field="end_date")
    if count is not None and count < 1:
        raise StandingOrderRefused("The number of payments is at least 1.", code="invalid_count", field="count")
    try:
        return initiate.payment_prepare(
            customer_id=customer_id,
            amount=amount,
            creditor_name="",
            creditor_iban="",
            now=now,
            source_account_id=source_account_id,
            reference=reference,
            execution_date=start_date,
            beneficiary_id=beneficiary_id,
            verify_payee=False,
        )
    except PaymentInvalid as invalid:
        field = "start_date" if invalid.field == "execution_date" else invalid.field
        raise StandingOrderRefused(str(invalid), code=invalid.code, field=field) from None


def standing_order_create(
    *,
    customer_id: int,
    source_account_id: int,
    beneficiary_id: int,
    amount: Money,
    reference: str,
    frequency: str,
    start_date: date,
    end_date: date | None = None,
    count: int | None = None,
    challenge_id: int | None,
    now: datetime,
) -> int:
    """Set up a standing order, approved with SCA for its amount, payee, rhythm and start; returns its id."""
    draft = standing_order_validate(
        customer_id=customer_id,
        source_account_id=source_account_id,
        beneficiary_id=beneficiary_id,
        amount=amount,
        reference=reference,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
        count=count,
        now=now,
    )
    if challenge_id is None:
        raise StandingOrderRefused("Confirm this with your authentication code.", code="sca_required")
    details = standing_order_sca_details(
        amount=amount,
        creditor_iban=draft.payee.iban,
        creditor_name=draft.payee.name,
        frequency=frequency,
        start_date=start_date,
    )
    with transaction.atomic():
        sca.challenge_consume(
            challenge_id=challenge_id,
            user_id=customer_id,
            payload_hash=sca_read.details_hash(action=ACTION, details=details),
            now=now,
        )
        order = StandingOrder.objects.create(
            customer_id=customer_id,
            source_account_id=source_account_id,
            beneficiary_id=beneficiary_id,
            amount_minor=amount.minor,
            currency=amount.currency,
            reference=draft.reference,
            frequency=frequency,
            day_of_month=start_date.day if frequency == StandingOrderFrequency.MONTHLY else None,
            start_date=start_date,
            end_date=end_date,
            count=count,
            next_date=start_date,
            next_seq=0,
            sca_challenge_id=challenge_id,
            created_at=now,
            updated_at=now,
        )
        return order.pk


def _locked(*, customer_id: int, standing_order_id: int) -> StandingOrder:
    order = StandingOrder.objects.select_for_update().filter(pk=standing_order_id, customer_id=customer_id).first()
    if order is None:
        raise StandingOrderNotFound(f"no standing order {standing_order_id}")
    return order


def _set_status(*, customer_id: int, standing_order_id: int, to: str, allowed: set[str], now: datetime) -> None:
    with transaction.atomic():
        order = _locked(customer_id=customer_id, standing_order_id=standing_order_id)
        if order.status == to:
            return
        if order.status not in allowed:
            raise StandingOrderRefused(
                f"A {order.get_status_display().lower()} standing order cannot be changed.", code="standing_order_final"
            )
        order.status = to
        order.updated_at = now
        order.save(update_fields=["status", "updated_at"])


def standing_order_pause(*, customer_id: int, standing_order_id: int, now: datetime) -> None:
    """Stop making instances until resumed (the days missed meanwhile are skipped, not caught up)."""
    _set_status(
        customer_id=customer_id,
        standing_order_id=standing_order_id,
        to=StandingOrderStatus.PAUSED,
        allowed={StandingOrderStatus.ACTIVE},
        now=now,
    )


def standing_order_resume(*, customer_id: int, standing_order_id: int, now: datetime) -> None:
    with transaction.atomic():
        _set_status(
            customer_id=customer_id,
            standing_order_id=standing_order_id,
            to=StandingOrderStatus.ACTIVE,
            allowed={StandingOrderStatus.PAUSED},
            now=now,
        )
        order = _locked(customer_id=customer_id, standing_order_id=standing_order_id)
        _skip_missed(order, today=validation.bank_today(now))
        order.save(update_fields=["next_seq", "next_date", "status"])


def standing_order_cancel(*, customer_id: int, standing_order_id: int, now: datetime) -> None:
    """End the order for good; instances already made are payments of their own."""
    _set_status(
        customer_id=customer_id,
        standing_order_id=standing_order_id,
        to=StandingOrderStatus.CANCELLED,
        allowed={StandingOrderStatus.ACTIVE, StandingOrderStatus.PAUSED},
        now=now,
    )


def _skip_missed(order: StandingOrder, *, today: date) -> None:
    while (
        not _finished(order, order.next_seq)
        and business_day_adjust(scheduled_date(order=order, seq=order.next_seq)) < today
    ):
        order.next_seq += 1
    _advance_to(order, order.next_seq)


def _advance_to(order: StandingOrder, seq: int) -> None:
    order.next_seq = seq
    if _finished(order, seq):
        order.next_date = None
        order.status = StandingOrderStatus.FINISHED
    else:
        order.next_date = scheduled_date(order=order, seq=seq)


def standing_order_instance_make(*, standing_order_id: int, now: datetime) -> int | None:
    """Make the order's next instance if its (business-day adjusted) day has come; returns the payment id.

    Safe twice: an instance is keyed on the order and its sequence number, so a second run finds
    the first payment and only moves the order on.
    """
    today = validation.bank_today(now)
    with transaction.atomic():
        order = StandingOrder.objects.select_for_update().filter(pk=standing_order_id).first()
        if order is None or order.status != StandingOrderStatus.ACTIVE or order.next_date is None:
            return None
        day = business_day_adjust(order.next_date)
        if day > today:
            return None
        seq = order.next_seq
        beneficiary = order.beneficiary
        try:
            view = initiate.payment_initiate(
                customer_id=order.customer_id,
                amount=Money(order.amount_minor, order.currency),
                creditor_name=beneficiary.name,
                creditor_iban=beneficiary.iban,
                idempotency_key=f"standing-order:{order.pk}:{seq}",
                now=now,
                source_account_id=order.source_account_id,
                reference=order.reference,
                execution_date=today,
                channel=PaymentChannel.STANDING_ORDER,
                # Authorised once with SCA for this payee and amount (RTS art. 14, recurring).
                sca_exemption="recurring",
                standing_order_id=order.pk,
                occurrence_date=day,
                actor=f"standing-order:{order.pk}",
            )
            payment_id: int | None = view.id
            if view.status == "rejected":
                notifications.notify(
                    customer_id=order.customer_id,
                    kind=NOTIFY_KIND,
                    title="Standing order payment failed",
                    body=f"{Money(order.amount_minor, order.currency)} to {beneficiary.name} on {day.isoformat()} "
                    f"could not be paid ({view.reason_code}). The next one is still due.",
                    link=f"/app/payments/{view.id}/",
                    now=now,
                )
        except (PaymentInvalid, PaymentRefused) as refused:
            # The payee or account is no longer valid: this instance cannot be made, the customer is told.
            payment_id = None
            notifications.notify(
                customer_id=order.customer_id,
                kind=NOTIFY_KIND,
                title="Standing order payment failed",
                body=f"The payment to {beneficiary.name} due {day.isoformat()} could not be made: {refused}",
                link=f"/app/payments/standing-orders/{order.pk}/",
                now=now,
            )
        order.made_count += 1
        _advance_to(order, seq + 1)
        order.updated_at = now
        order.save(update_fields=["made_count", "next_seq", "next_date", "status", "updated_at"])
        return payment_id


def standing_orders_run(*, now: datetime, limit: int = 500) -> int:
    """Make every instance due now (one transaction each); returns how many were made."""
    today = validation.bank_today(now)
    # The adjusted day is never more than a few days after the scheduled one (modified following).
    due = list(
        StandingOrder.objects.filter(status=StandingOrderStatus.ACTIVE, next_date__lte=today + timedelta(days=5))
        .order_by("next_date", "id")
        .values_list("id", flat=True)[:limit]
    )
    made = 0
    for order_id in due:
        # An order far behind (the beat was down) catches up one instance per call, oldest first.
        while standing_order_instance_make(standing_order_id=order_id, now=now) is not None:
            made += 1
    return made


def scheduled_payments_run(*, now: datetime, limit: int = 500) -> int:
    """Book the future-dated internal payments whose day has come; returns how many were booked."""
    due = selectors.internal_due_ids(today=validation.bank_today(now), limit=limit)
    return sum(
        initiate.payment_execute(payment_id=payment_id, actor="system", reason="executed on its date", now=now)
        for payment_id in due
    )
