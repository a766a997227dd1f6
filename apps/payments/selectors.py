"""payments: reads. Customer-facing reads take the customer and answer None for another's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet

from apps.accounts import interface as accounts
from apps.payments.models import Beneficiary, Payment, PaymentBatch, PaymentEvent, StandingOrder
from bankcore.money import Money
from bankcore.paging import Page, keyset_page


@dataclass(frozen=True)
class TimelineLine:
    from_status: str
    to_status: str
    actor: str
    reason: str
    reason_code: str
    at: datetime


@dataclass(frozen=True)
class PaymentView:
    id: int
    customer_id: int
    status: str
    kind: str
    channel: str
    amount: Money
    source_account_id: int | None
    source_ledger_account_id: int
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    creditor_account_id: int | None
    reference: str
    end_to_end_id: str
    tx_id: str
    execution_date: date
    reason_code: str
    reason: str
    vop_result: str
    vop_name: str
    sca_exemption: str
    sca_challenge_id: int | None
    fraud_alert_id: int | None
    hold_id: int | None
    entry_id: int | None
    consent_id: str | None
    beneficiary_id: int | None
    standing_order_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def instant(self) -> bool:
        return self.kind == "instant"


def payment_view(payment: Payment) -> PaymentView:
    return PaymentView(
        id=payment.pk,
        customer_id=payment.customer_id,
        status=payment.status,
        kind=payment.kind,
        channel=payment.channel,
        amount=Money(payment.amount_minor, payment.currency),
        source_account_id=payment.source_account_id,
        source_ledger_account_id=payment.source_ledger_account_id,
        debtor_name=payment.debtor_name,
        debtor_iban=payment.debtor_iban,
        debtor_bic=payment.debtor_bic,
        creditor_name=payment.creditor_name,
        creditor_iban=payment.creditor_iban,
        creditor_bic=payment.creditor_bic,
        creditor_account_id=payment.creditor_account_id,
        reference=payment.reference,
        end_to_end_id=payment.end_to_end_id,
        tx_id=payment.tx_id,
        execution_date=payment.execution_date,
        reason_code=payment.reason_code,
        reason=payment.reason,
        vop_result=payment.vop_result,
        vop_name=payment.vop_name,
        sca_exemption=payment.sca_exemption,
        sca_challenge_id=payment.sca_challenge_id,
        fraud_alert_id=payment.fraud_alert_id,
        hold_id=payment.hold_id,
        entry_id=payment.entry_id,
        consent_id=payment.consent_id,
        beneficiary_id=payment.beneficiary_id,
        standing_order_id=payment.standing_order_id,
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )


def payment_get(*, payment_id: int) -> PaymentView | None:
    payment = Payment.objects.filter(pk=payment_id).first()
    return None if payment is None else payment_view(payment)


def payment_of_customer(*, customer_id: int, payment_id: int) -> Payment | None:
    """The customer's own payment, or None (another's does not exist for them)."""
    return Payment.objects.filter(pk=payment_id, customer_id=customer_id).first()


def payment_by_key(*, customer_id: int, idempotency_key: str) -> Payment | None:
    return Payment.objects.filter(customer_id=customer_id, idempotency_key=idempotency_key).first()


def payment_list(
    *, customer_id: int, status: str | None = None, partner_id: int | None = None, limit: int = 50
) -> QuerySet[Payment]:
    qs = Payment.objects.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    return qs.order_by("-created_at", "-id")[:limit]


PAGE_SIZE = 50


def payment_page_of_partner(
    *, application_id: int, acting_for_id: int | None, status: str | None = None, before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Payment]:  # fmt: skip
    """What the partner lists, older than ``before``, newest first: its business customer's payments and
    those it made with a payment consent."""
    seen = Q(partner_id=application_id, consent_id__isnull=False)
    if acting_for_id is not None:
        seen |= Q(customer_id=acting_for_id)
    rows = Payment.objects.filter(seen)
    if status:
        rows = rows.filter(status=status)
    return keyset_page(rows, before=before, limit=limit)


def batch_page_of_customer(
    *, customer_id: int, partner_id: int | None = None, before: int | None = None, limit: int = PAGE_SIZE
) -> Page[PaymentBatch]:
    """The customer's batches (those ``partner_id`` sent, when given) older than ``before``, newest first."""
    rows = PaymentBatch.objects.filter(customer_id=customer_id)
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    return keyset_page(rows, before=before, limit=limit)


def payment_timeline(*, payment_id: int) -> list[TimelineLine]:
    return [
        TimelineLine(e.from_status, e.to_status, e.actor, e.reason, e.reason_code, e.at)
        for e in PaymentEvent.objects.filter(payment_id=payment_id).order_by("at", "id")
    ]


def beneficiary_list(*, customer_id: int) -> QuerySet[Beneficiary]:
    return Beneficiary.objects.filter(customer_id=customer_id, status=Beneficiary.Status.ACTIVE).order_by("name", "id")


def beneficiary_of_customer(*, customer_id: int, beneficiary_id: int) -> Beneficiary | None:
    return Beneficiary.objects.filter(
        pk=beneficiary_id, customer_id=customer_id, status=Beneficiary.Status.ACTIVE
    ).first()


def standing_order_list(*, customer_id: int) -> QuerySet[StandingOrder]:
    return StandingOrder.objects.filter(customer_id=customer_id).select_related("beneficiary").order_by("-created_at")


def standing_order_of_customer(*, customer_id: int, standing_order_id: int) -> StandingOrder | None:
    return StandingOrder.objects.filter(pk=standing_order_id, customer_id=customer_id).first()


def scheduled_list(*, customer_id: int, today: date) -> QuerySet[Payment]:
    """Future-dated payments not yet executed."""
    return Payment.objects.filter(
        customer_id=customer_id, status="accepted", execution_date__gt=today, standing_order__isnull=True
    ).order_by("execution_date", "id")


def internal_due_ids(*, today: date, limit: int = 500) -> list[int]:
    """Accepted internal payments not booked yet whose execution date has come."""
    return list(
        Payment.objects.filter(status="accepted", kind="internal", entry__isnull=True, execution_date__lte=today)
        .order_by("execution_date", "id")
        .values_list("id", flat=True)[:limit]
    )


STATUSES = [
    "awaiting_sca",
    "checking",
    "held_for_review",
    "accepted",
    "submitted",
    "settled",
    "rejected",
    "returned",
    "cancelled",
]


def payment_cancellable(payment: Payment) -> bool:
    """Whether the customer may still cancel it (waiting, or accepted and not booked or sent)."""
    if payment.status == "awaiting_sca":
        return True
    return payment.status == "accepted" and payment.entry_id is None


def source_account_of(*, customer_id: int, value: str) -> int | None:
    """The customer's account a partner names by its API id (``acc_…``, as the accounts API gives it), its
    IBAN or its bare number; None when it names no account of that customer, so it stays unknown."""
    text = value.strip()
    account_id = accounts.account_id_from_wire(text)
    if account_id is None and text.isdigit() and len(text) <= 18:
        account_id = int(text)
    if account_id is not None:
        try:
            found: accounts.AccountRef | None = accounts.account_get(account_id=account_id)
        except accounts.AccountNotFound:
            return None
    else:
        found = accounts.account_for_iban(iban=text)
    return found.id if found is not None and found.customer_id == customer_id else None
