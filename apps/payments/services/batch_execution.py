"""One chunk of a bulk payout paid set-based: every single payment's check per line, written together.

The steps are the single payment's, in its order (``services.initiate``), each taken for the
whole chunk at once: the payments are made (in ``checking``, authorised by the batch's approval),
the KYC limits are checked for the lines in order, each after those before it that fit; the
fraud decision and counterparty screening are asked per line; the money moves with one ledger
call for the chunk's internal bookings (``post_batch``) and one for its holds
(``hold_create_batch``), each refusing a line without funds on its own; the chunk's usage is
then counted under one KYC lock (``limits_record_many``), a line that no longer fits getting
its money back. Each payment's steps are kept in memory as ``apply_transition`` would take
them (same table, same timeline, same events) and written at the end with a few bulk
statements, so a chunk of hundreds of lines costs tens of statements beyond its fraud checks.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from apps.accounts import interface as accounts
from apps.fraud import interface as fraud
from apps.kyc import interface as kyc
from apps.payments import events
from apps.payments.errors import TransitionRefused
from apps.payments.models import (
    TRANSITIONS,
    Payment,
    PaymentBatch,
    PaymentEvent,
    PaymentKind,
    PaymentStatus,
)
from apps.payments.services import sca as payment_sca
from apps.payments.services.entry_metadata import entry_metadata
from apps.payments.services.initiate import HOLD_MARGIN, PaymentDraft, Reason
from apps.payments.services.transitions import NOTIFY_KIND, event_payload
from bankcore import bulk, notifications
from bankcore.events import publish_many
from bankcore.ledger import services as ledger
from bankcore.money import Money

log = logging.getLogger(__name__)

# What the single path tells the customer of (``transitions._TOLD``); an internal booking is
# told by the accounts it moved.
_TOLD = {
    PaymentStatus.REJECTED: "Payment rejected",
    PaymentStatus.HELD_FOR_REVIEW: "Payment held for a check",
    PaymentStatus.SETTLED: "Payment made",
}
_REFUSED_BY_LEDGER = {"insufficient_funds": Reason.FUNDS}
_SAVED_FIELDS = [
    "status", "reason_code", "reason", "updated_at", "fraud_decision_id", "fraud_outcome", "fraud_alert_id",
    "hold", "entry",
]  # fmt: skip


@dataclass
class Order:
    """A line's valid draft and the payment made for it."""

    line_no: int
    key: str
    fingerprint: str
    draft: PaymentDraft
    payment: Payment = field(init=False)
    verdict: str = "allow"
    why: str = ""


@dataclass
class _Journal:
    """What ``apply_transition`` would write, gathered for the chunk's bulk writes."""

    now: datetime
    timeline: list[PaymentEvent] = field(default_factory=list)
    events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    told: list[Payment] = field(default_factory=list)

    def step(self, payment: Payment, *, to: str, actor: str, reason: str, reason_code: str = "") -> None:
        if to not in TRANSITIONS.get(payment.status, frozenset()):
            raise TransitionRefused(
                f"payment {payment.pk} cannot go from {payment.status} to {to}", code="transition_not_allowed"
            )
        from_status, payment.status = payment.status, to
        if reason_code:
            payment.reason_code = reason_code[:4]
        if reason:
            payment.reason = reason[:500]
        payment.updated_at = self.now
        self.line(payment, from_status=from_status, actor=actor, reason=reason)
        event = events.EVENT_FOR_STATUS.get(to)
        if event is not None:
            self.events.append((event, event_payload(payment)))
        if to in _TOLD and not (to == PaymentStatus.SETTLED and payment.kind == PaymentKind.INTERNAL):
            self.told.append(payment)

    def line(self, payment: Payment, *, from_status: str, actor: str, reason: str) -> None:
        self.timeline.append(
            PaymentEvent(
                payment=payment,
                from_status=from_status,
                to_status=payment.status,
                actor=actor[:64],
                reason=reason[:500],
                reason_code=payment.reason_code,
                at=self.now,
            )
        )


def _hold_expiry(execution_date: date) -> datetime:
    zone = ZoneInfo(settings.BANK_TIME_ZONE)
    return datetime.combine(execution_date, time.max, tzinfo=zone) + HOLD_MARGIN


def _payment_of(order: Order, *, batch: PaymentBatch, channel: str, now: datetime) -> Payment:
    draft = order.draft
    tx_id = _new_tx_id()
    return Payment(
        customer_id=draft.customer_id, source_account_id=draft.source.account_id,
        source_ledger_account_id=draft.source.ledger_account_id, debtor_name=draft.source.name[:140],
        debtor_iban=draft.source.iban, debtor_bic=draft.source.bic, amount_minor=draft.amount.minor,
        currency=draft.amount.currency, creditor_name=draft.payee.name, creditor_iban=draft.payee.iban,
        creditor_bic=draft.payee.bic, creditor_account_id=draft.payee.account_id,
        creditor_ledger_account_id=draft.payee.ledger_account_id, reference=draft.reference,
        end_to_end_id=draft.end_to_end_id or tx_id, tx_id=tx_id, kind=draft.payee.kind, channel=channel,
        execution_date=draft.execution_date, status=PaymentStatus.AWAITING_SCA, vop_result=draft.check.result,
        vop_name=draft.check.matched_name, vop_checked_at=now if draft.check.result else None,
        partner_id=batch.partner_id, idempotency_key=order.key, request_fingerprint=order.fingerprint,
        created_at=now, updated_at=now,
    )  # fmt: skip


def _new_tx_id() -> str:
    return "BC" + uuid.uuid4().hex.upper()  # 34 characters, unique, SEPA charset


def chunk_pay(batch: PaymentBatch, orders: list[Order], *, channel: str, actor: str, now: datetime) -> None:
    """Make and pay the chunk's payments; each order's ``payment`` ends in its final status for now."""
    journal = _Journal(now)
    _create(batch, orders, channel=channel, actor=actor, journal=journal, now=now)
    going = _limits_check(orders, journal=journal, now=now)
    going = _fraud_checks(going, journal=journal, now=now)
    booked, reserved = _money(going, journal=journal, now=now)
    _limits_record(booked + reserved, journal=journal, now=now)
    for order in booked + reserved:
        payment = order.payment
        if payment.status != PaymentStatus.CHECKING:
            continue
        if order.verdict == "review":
            journal.step(payment, to=PaymentStatus.HELD_FOR_REVIEW, actor="fraud", reason=order.why)
            continue
        journal.step(payment, to=PaymentStatus.ACCEPTED, actor=actor, reason="checks passed")
        if payment.entry_id is not None:
            journal.step(payment, to=PaymentStatus.SETTLED, actor="system", reason="booked within the bank")
    _write(orders, journal=journal, now=now)


def _create(
    batch: PaymentBatch, orders: list[Order], *, channel: str, actor: str, journal: _Journal, now: datetime
) -> None:
    for order in orders:
        order.payment = _payment_of(order, batch=batch, channel=channel, now=now)
        order.payment.sca_exemption = batch.sca_exemption
        order.payment.sca_challenge_id = None if batch.sca_exemption else batch.sca_challenge_id
    payments = [order.payment for order in orders]
    bulk.rows_insert(Payment, payments)
    bulk.history_insert(Payment, payments, at=now, change="+")
    if batch.sca_exemption:
        # The chunk's payments are one order of the file under one exemption: counted once, for their total.
        payment_sca.exemption_apply(
            customer_id=batch.customer_id, exemption=batch.sca_exemption, now=now,
            amount=Money(sum(o.draft.amount.minor for o in orders), orders[0].draft.amount.currency),
            ref=f"batch:{batch.pk}:{orders[0].line_no}-{orders[-1].line_no}",
        )  # fmt: skip
    for order in orders:
        payment = order.payment
        journal.line(payment, from_status="", actor=actor, reason=f"ordered in batch {batch.pk}, line {order.line_no}")
        journal.events.append((events.PAYMENT_CREATED, event_payload(payment)))
        reason = (
            f"SCA exemption: {batch.sca_exemption} (batch {batch.pk})"
            if batch.sca_exemption
            else f"authorised with SCA of batch {batch.pk} (challenge {batch.sca_challenge_id})"
        )
        payment.status, payment.reason = PaymentStatus.CHECKING, reason
        journal.line(payment, from_status=PaymentStatus.AWAITING_SCA, actor=actor, reason=reason)


def _reject(order: Order, *, code: str, reason: str, actor: str, journal: _Journal) -> None:
    journal.step(order.payment, to=PaymentStatus.REJECTED, actor=actor, reason=reason, reason_code=code)


def _limits_check(orders: list[Order], *, journal: _Journal, now: datetime) -> list[Order]:
    if not orders:
        return []
    answers = kyc.limits_check_many(
        customer_id=orders[0].payment.customer_id, kind=kyc.LimitKind.PAYMENT_OUT,
        items=[(order.payment.ref, order.draft.amount) for order in orders], now=now,
    )  # fmt: skip
    going = []
    for order in orders:
        refused = answers[order.payment.ref]
        if isinstance(refused, kyc.LimitExceeded):
            _reject(order, code=Reason.LIMITS, reason=str(refused), actor="system", journal=journal)
        elif refused is not None:
            _reject(order, code=Reason.NOT_ALLOWED, reason=str(refused), actor="system", journal=journal)
        else:
            going.append(order)
    return going


def _fraud_checks(orders: list[Order], *, journal: _Journal, now: datetime) -> list[Order]:
    """The fraud decisions of the lines, then the counterparties screened together; a block rejects, a hit holds."""
    if not orders:
        return []
    # The payer's standing is read once a chunk: it is the same customer for every line.
    status = kyc.customer_status(customer_id=orders[0].payment.customer_id)
    _decide(orders, status=status, now=now)
    decided = []
    for order in orders:
        if order.verdict == "block":
            _reject(order, code=Reason.FRAUD, reason=f"refused by fraud monitoring: {order.why}", actor="fraud",
                    journal=journal)  # fmt: skip
            continue
        decided.append(order)
    _screen(decided, now=now)
    return decided


def _decide(orders: list[Order], *, status: kyc.KycStatus, now: datetime) -> None:
    """Each line decided as the single payment is, the lines before it counted (one call for the chunk)."""
    txns = [
        fraud.ProposedTransaction(
            reference=order.payment.ref, customer_id=order.payment.customer_id, amount=order.draft.amount,
            counterparty_key=order.draft.payee.iban, counterparty_name=order.draft.payee.name,
            counterparty_country=order.draft.payee.country, channel="payment",
            beneficiary_created_at=order.draft.beneficiary_created_at, kyc_tier=str(status.tier),
            risk_rating=status.risk_rating or "", customer_kind=status.party_kind or "",
        )
        for order in orders
    ]  # fmt: skip
    try:
        # In its own savepoint: a failure leaves the chunk usable, and every line is held.
        decisions = fraud.transactions_decide(txns=txns, now=now)
    except Exception as exc:
        for order in orders:
            _checks_failed(order, exc, now=now)
        return
    for order, decision in zip(orders, decisions, strict=True):
        if isinstance(decision, Exception):
            _checks_failed(order, decision, now=now)
            continue
        payment = order.payment
        payment.fraud_decision_id = decision.transaction_id
        payment.fraud_outcome = decision.outcome
        order.verdict, order.why = str(decision.outcome), decision.explain()
        payment.fraud_alert_id = decision.alert_id if decision.outcome != "allow" else None


def _checks_failed(order: Order, exc: Exception, *, now: datetime) -> None:
    """A rule or screening error holds the payment for a fraud analyst: never let through unchecked."""
    payment = order.payment
    log.exception("payment checks failed; the payment is held", extra={"payment": payment.pk})
    payment.fraud_alert_id = fraud.alert_open(
        summary=f"Checks of payment {payment.pk} failed: {type(exc).__name__}", score=1.0, now=now,
        dedupe_key=f"payment-check-error:{payment.pk}", customer_id=payment.customer_id,
        payment_ref=payment.ref, details={"error": repr(exc)[:500]},
    )  # fmt: skip
    order.verdict = "review"
    order.why = f"the checks could not run ({type(exc).__name__}): held for a fraud analyst"


def _screen(orders: list[Order], *, now: datetime) -> None:
    """Screen the lines' counterparties (each distinct name once); a hit holds its line."""
    if not orders:
        return
    try:
        with transaction.atomic():  # a savepoint: a screening error must not spoil the chunk
            outcomes = fraud.counterparties_screen(
                customer_id=orders[0].payment.customer_id,
                parties=[(o.payment.ref, o.draft.payee.name, o.draft.payee.country) for o in orders],
                now=now,
            )
    except Exception as exc:
        for order in orders:
            _checks_failed(order, exc, now=now)
        return
    for order in orders:
        outcome = outcomes[order.payment.ref]
        if outcome.alert_id is not None:
            order.verdict, order.payment.fraud_alert_id = "review", outcome.alert_id
            order.why = f"the payee's name resembles a listed name ({outcome.matches[0].listed_name})"


def _money(orders: list[Order], *, journal: _Journal, now: datetime) -> tuple[list[Order], list[Order]]:
    """Book the allowed internal payments of today, hold the others' funds; (booked, reserved)."""
    to_book = [
        o for o in orders if o.payment.kind == PaymentKind.INTERNAL and o.verdict == "allow" and not o.draft.future
    ]
    to_hold = [o for o in orders if o not in to_book]
    booked: list[Order] = []
    if to_book:
        results = ledger.post_batch(
            transfers=[
                ledger.TransferRequest(
                    from_account_id=o.payment.source_ledger_account_id,
                    to_account_id=o.payment.creditor_ledger_account_id,  # type: ignore[arg-type]
                    amount=o.draft.amount,
                    # The single booking's key: whichever path books a payment, it is booked once.
                    idempotency_key=f"{o.payment.ref}:book",
                    description=f"Payment {o.payment.tx_id} to {o.payment.creditor_name}"[:200],
                )
                for o in to_book
            ],
            # The single booking's metadata too: statements and the fingerprint of the key are
            # the same whichever path booked the payment.
            metadata={
                f"{o.payment.ref}:book": entry_metadata(
                    reference=o.payment.reference, end_to_end_id=o.payment.end_to_end_id
                )
                for o in to_book
            },
        )
        for order, result in zip(to_book, results, strict=True):
            if result.posted:
                order.payment.entry_id = result.entry_id
                booked.append(order)
            else:
                _refused_by_ledger(order, code=result.code, message=result.message, journal=journal)
    reserved: list[Order] = []
    if to_hold:
        holds = ledger.hold_create_batch(
            holds=[
                ledger.HoldRequest(
                    account_id=o.payment.source_ledger_account_id,
                    amount=o.draft.amount,
                    idempotency_key=f"{o.payment.ref}:hold",
                    expires_at=_hold_expiry(o.payment.execution_date),
                    description=f"Payment to {o.payment.creditor_name}"[:200],
                )
                for o in to_hold
            ],
            now=now,
        )
        for order, held in zip(to_hold, holds, strict=True):
            if held.made:
                order.payment.hold_id = held.hold_id
                reserved.append(order)
            else:
                _refused_by_ledger(order, code=held.code, message=held.message, journal=journal)
    return booked, reserved


def _refused_by_ledger(order: Order, *, code: str, message: str, journal: _Journal) -> None:
    reason_code = _REFUSED_BY_LEDGER.get(code, Reason.NOT_ALLOWED)
    reason = "insufficient funds" if reason_code == Reason.FUNDS else f"the account cannot pay: {message}"
    _reject(order, code=reason_code, reason=reason, actor="system", journal=journal)


def _limits_record(orders: list[Order], *, journal: _Journal, now: datetime) -> None:
    """Count what moved under one KYC lock; a line that no longer fits gets its money back."""
    if not orders:
        return
    answers = kyc.limits_record_many(
        customer_id=orders[0].payment.customer_id, kind=kyc.LimitKind.PAYMENT_OUT,
        items=[(order.payment.ref, order.draft.amount) for order in orders], now=now,
    )  # fmt: skip
    for order in orders:
        refused = answers[order.payment.ref]
        if refused is None:
            continue
        payment = order.payment
        # Another payment used the room since the check: the money is taken back, as a single
        # payment's would be by its rollback.
        if payment.entry_id is not None:
            ledger.entry_reverse(
                entry_id=payment.entry_id, reason="limit reached", idempotency_key=f"{payment.ref}:unbook"
            )
            payment.entry_id = None
        if payment.hold_id is not None:
            with contextlib.suppress(ledger.HoldNotActive):
                ledger.hold_release(hold_id=payment.hold_id, now=now)
        _reject(order, code=Reason.LIMITS, reason=str(refused), actor="system", journal=journal)


def _write(orders: list[Order], *, journal: _Journal, now: datetime) -> None:
    payments = [order.payment for order in orders]
    bulk.rows_rewrite(Payment, payments, _SAVED_FIELDS)
    bulk.history_insert(Payment, payments, at=now, change="~")
    bulk.rows_append(PaymentEvent, journal.timeline)
    publish_many(journal.events)
    for payment in journal.told:
        amount = Money(payment.amount_minor, payment.currency)
        why = f" ({payment.reason_code})" if payment.reason_code else ""
        notifications.notify(
            customer_id=payment.customer_id, kind=NOTIFY_KIND, title=_TOLD[PaymentStatus(payment.status)],
            body=f"{amount} to {payment.creditor_name}{why}.", link=f"/app/payments/{payment.pk}/", now=now,
        )  # fmt: skip
    entries = [payment.entry_id for payment in payments if payment.entry_id is not None]
    if entries:
        # The payees are told of each payment; the payer once, for the batch (``batches._finish``).
        payer = payments[0].source_ledger_account_id
        transaction.on_commit(lambda: accounts.entries_notify(entry_ids=entries, now=now, told_apart=payer))
