"""Payment initiation: the spine of DESIGN.md §7, in order.

1. validate (nothing is written when the order is not valid: ``PaymentInvalid``);
2. verification of payee (before the customer authorises; advice, stored with the payment);
3. SCA with dynamic linking unless an exemption applies (recorded); without an approval yet the
   payment waits in ``awaiting_sca`` with its challenge;
4. KYC limits, then the fraud decision and counterparty screening, before money moves;
5. the money: a ledger hold (external, future-dated, held for review) or the booking itself
   (internal, today), each idempotent on a key derived from the payment;
6. events through the outbox, so they exist exactly when the payment committed.

A refusal on the way (funds, limits, a fraud block) rejects the payment with its ISO reason
code and keeps it, with its timeline, for the customer and the back office. A screening or rule
error holds the payment for a fraud case; only that case releases or rejects it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.accounts import interface as accounts
from apps.fraud import interface as fraud
from apps.kyc import interface as kyc
from apps.payments import selectors
from apps.payments.errors import PaymentInputInvalid, PaymentInvalid, PaymentNotFound, PaymentRefused
from apps.payments.models import (
    Beneficiary,
    Payment,
    PaymentChannel,
    PaymentEvent,
    PaymentKind,
    PaymentStatus,
    VopResult,
)
from apps.payments.selectors import PaymentView, payment_view
from apps.payments.services import sca as payment_sca
from apps.payments.services import validation, vop
from apps.payments.services.entry_metadata import entry_metadata
from apps.payments.services.transitions import PaymentSteps, payment_lock
from bankcore.canonical import sha256_of
from bankcore.ledger import errors as ledger_errors
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

log = logging.getLogger(__name__)

# A hold outlives the execution day by this much: settlement (or a held payment's case) has
# that long to take it before the ledger gives the money back on its own.
HOLD_MARGIN = timedelta(days=30)


class Reason:
    """The ISO 20022 reason codes the bank gives its own refusals."""

    FUNDS = "AM04"  # insufficient funds
    LIMITS = "AM02"  # not allowed amount
    NOT_ALLOWED = "AG01"  # transaction forbidden (account cannot send, a rate is missing)
    FRAUD = "FR01"  # fraud
    REGULATORY = "RR04"  # regulatory reason (sanctions)
    CANCELLED = "DS02"  # order cancelled


@dataclass(frozen=True)
class Source:
    account_id: int | None
    ledger_account_id: int
    name: str
    iban: str
    bic: str
    currency: str


@dataclass(frozen=True)
class Payee:
    name: str
    iban: str
    bic: str
    kind: str
    account_id: int | None
    ledger_account_id: int | None
    customer_id: int | None
    country: str


@dataclass(frozen=True)
class PaymentDraft:
    """A valid payment order, resolved and checked, before anything is written."""

    customer_id: int
    source: Source
    payee: Payee
    amount: Money
    reference: str
    end_to_end_id: str
    execution_date: date
    beneficiary_id: int | None
    beneficiary_trusted: bool
    beneficiary_created_at: datetime | None
    check: vop.PayeeCheck
    today: date = date.min

    @property
    def future(self) -> bool:
        return self.execution_date > self.today

    def sca_details(self) -> dict[str, object]:
        return payment_sca.payment_sca_details(
            amount=self.amount, creditor_iban=self.payee.iban, creditor_name=self.payee.name
        )


# --- validation and resolution (no writes) -------------------------------------------------------


def _source_resolve(
    *,
    customer_id: int,
    source_account_id: int | None,
    source_ledger_account_id: int | None,
    debtor_name: str,
    debtor_iban: str,
    amount: Money,
) -> Source:
    if source_account_id is not None:
        try:
            account = accounts.account_get(account_id=source_account_id)
        except accounts.AccountNotFound:
            account = None
        if account is None or account.customer_id != customer_id:
            raise PaymentInputInvalid(
                "Choose one of your accounts to pay from.", code="unknown_account", field="source_account"
            )
        if not account.may_send:
            raise PaymentInvalid(
                "This account cannot make payments at the moment.", code="account_cannot_send", field="source_account"
            )
        if account.currency != amount.currency:
            raise PaymentInvalid(
                f"This account holds {account.currency}; pay in {account.currency}.",
                code="currency_mismatch",
                field="currency",
            )
        return Source(
            account.id, account.ledger_account_id, account.holder_name, account.iban, account.bic, account.currency
        )
    if source_ledger_account_id is not None:
        name = validation.name_check(debtor_name, field="debtor_name")
        return Source(
            None, source_ledger_account_id, name, debtor_iban, getattr(settings, "BANK_BIC", ""), amount.currency
        )
    raise PaymentInputInvalid("Choose an account to pay from.", code="source_required", field="source_account")


def payee_of(
    *, parsed: validation.ParsedIban, own: accounts.AccountRef | None, name: str, source: Source, amount: Money,
    instant: bool,
) -> Payee:  # fmt: skip
    """The payee of a checked IBAN: an account of this bank (``own``, looked up by the caller, one at a
    time or a whole file at once) or another bank's; raises ``PaymentInvalid`` for the same rules either way."""
    if source.iban and parsed.iban == source.iban.replace(" ", "").upper():
        raise PaymentInvalid("You cannot pay an account from itself.", code="same_account", field="creditor_iban")
    if own is not None:
        if own.ledger_account_id == source.ledger_account_id:
            raise PaymentInvalid("You cannot pay an account from itself.", code="same_account", field="creditor_iban")
        if not own.may_receive:
            raise PaymentInvalid(
                "The payee's account cannot receive payments.", code="payee_cannot_receive", field="creditor_iban"
            )
        if own.currency != amount.currency:
            raise PaymentInvalid(
                f"The payee's account holds {own.currency}; this bank does not convert a payment.",
                code="payee_currency_mismatch",
                field="currency",
            )
        return Payee(
            name,
            own.iban,
            own.bic,
            PaymentKind.INTERNAL,
            own.id,
            own.ledger_account_id,
            own.customer_id,
            parsed.country,
        )
    if accounts.iban_is_ours(iban=parsed.iban):
        # DESIGN.md §5: a payment to an IBAN of this bank is internal, so there is no other bank to send it to.
        raise PaymentInvalid(
            "No account of this bank has this IBAN: check it for a typo.",
            code="payee_account_unknown",
            field="creditor_iban",
        )
    if amount.currency != "EUR":
        raise PaymentInvalid(
            "Payments to other banks are in euro (SEPA) only.", code="external_not_eur", field="currency"
        )
    kind = PaymentKind.INSTANT if instant else PaymentKind.SEPA
    return Payee(name, parsed.iban, parsed.bic, kind, None, None, None, parsed.country)


def payment_prepare(
    *,
    customer_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    now: datetime,
    source_account_id: int | None = None,
    source_ledger_account_id: int | None = None,
    debtor_name: str = "",
    debtor_iban: str = "",
    reference: str = "",
    end_to_end_id: str = "",
    instant: bool = False,
    execution_date: date | None = None,
    beneficiary_id: int | None = None,
    verify_payee: bool = True,
) -> PaymentDraft:
    """Validate and resolve a payment order and check the payee's name; writes nothing.

    The portal's confirmation page shows what this returns; ``payment_initiate`` calls it again.
    """
    validation.amount_check(amount)
    beneficiary: Beneficiary | None = None
    if beneficiary_id is not None:
        beneficiary = selectors.beneficiary_of_customer(customer_id=customer_id, beneficiary_id=beneficiary_id)
        if beneficiary is None:
            raise PaymentInputInvalid(
                "Choose one of your beneficiaries.", code="unknown_beneficiary", field="beneficiary"
            )
        creditor_name = creditor_name or beneficiary.name
        creditor_iban = creditor_iban or beneficiary.iban
    name = validation.name_check(creditor_name)
    ref = validation.reference_check(reference)
    e2e = validation.end_to_end_check(end_to_end_id)
    when = validation.execution_date_check(execution_date, now=now)
    source = _source_resolve(
        customer_id=customer_id,
        source_account_id=source_account_id,
        source_ledger_account_id=source_ledger_account_id,
        debtor_name=debtor_name,
        debtor_iban=debtor_iban,
        amount=amount,
    )
    parsed = validation.iban_parse(creditor_iban)
    own = accounts.account_for_iban(iban=parsed.iban)
    payee = payee_of(parsed=parsed, own=own, name=name, source=source, amount=amount, instant=instant)
    if beneficiary is not None and beneficiary.iban != payee.iban:
        beneficiary = None  # the customer typed another IBAN: the saved payee's trust does not carry over
    check = (
        vop.payee_verify_with(own=own, iban=payee.iban, name=payee.name)
        if verify_payee
        else vop.PayeeCheck("", "", payee.kind == PaymentKind.INTERNAL)
    )
    return PaymentDraft(
        customer_id=customer_id,
        source=source,
        payee=payee,
        amount=amount,
        reference=ref,
        end_to_end_id=e2e,
        execution_date=when,
        beneficiary_id=beneficiary.pk if beneficiary else None,
        beneficiary_trusted=bool(beneficiary and beneficiary.trusted),
        beneficiary_created_at=beneficiary.created_at if beneficiary else None,
        check=check,
        today=validation.bank_today(now),
    )


# --- initiation ----------------------------------------------------------------------------------


def _payee_is_payer(draft: PaymentDraft) -> None:
    if draft.payee.kind == PaymentKind.INTERNAL:
        if draft.payee.customer_id != draft.customer_id:
            raise PaymentRefused(
                "This account of the bank is not yours: pay out only to an account in your own name.",
                code="payee_not_payer",
                field="creditor_iban",
            )
        return
    if draft.check.result not in (VopResult.MATCH, VopResult.CLOSE_MATCH):
        heard = "could not confirm" if draft.check.result == VopResult.NOT_POSSIBLE else "does not confirm"
        raise PaymentRefused(
            f"The bank holding this account {heard} that it is in your name: pay out only to an account of your own.",
            code="payee_not_payer",
            field="creditor_iban",
        )


def _fingerprint(**request: object) -> str:
    return sha256_of({k: (str(v) if v is not None else None) for k, v in request.items()})


def _replay(*, customer_id: int, idempotency_key: str, fingerprint: str) -> PaymentView | None:
    existing = selectors.payment_by_key(customer_id=customer_id, idempotency_key=idempotency_key)
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise PaymentRefused("This idempotency key was used for another payment.", code="idempotency_key_reused")
    return payment_view(existing)


def _new_tx_id() -> str:
    return "BC" + uuid.uuid4().hex.upper()  # 34 characters, unique, SEPA charset


def payment_initiate(
    *,
    customer_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    idempotency_key: str,
    now: datetime,
    source_account_id: int | None = None,
    source_ledger_account_id: int | None = None,
    debtor_name: str = "",
    debtor_iban: str = "",
    reference: str = "",
    end_to_end_id: str = "",
    instant: bool = False,
    execution_date: date | None = None,
    channel: str = PaymentChannel.PORTAL,
    sca_exemption: str = "",
    beneficiary_id: int | None = None,
    sca_challenge_id: int | None = None,
    consent_id: str | None = None,
    partner_id: int | None = None,
    standing_order_id: int | None = None,
    occurrence_date: date | None = None,
    actor: str = "",
    payee_must_be_payer: bool = False,
) -> PaymentView:
    """Make a payment order and take it as far as it can go now; returns its view.

    ``payee_must_be_payer``: the money may go only to an account of the payer's own (an e-money
    redemption): this bank's account must be the customer's, another bank's must answer the
    payee check with a match on the name given. Refused otherwise: ``payee_not_payer``.

    ``sca_challenge_id``: an approval the customer already gave for exactly this amount and
    payee (consumed here, once). ``sca_exemption``: a reason the caller vouches for (another
    context did the SCA, a standing order the customer authorised once). ``partner_id``: a
    partner acting for its own business customer (secure corporate process). Without any of
    these and no exemption the payment waits in ``awaiting_sca`` with a challenge
    (``sca_challenge_id`` of the view), for ``payment_authorise``.

    Idempotent per customer on ``idempotency_key``: the same request returns the first
    payment, another request with it raises ``PaymentRefused`` (``idempotency_key_reused``).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise PaymentInputInvalid(
            "An idempotency key of 1 to 255 characters is required.", code="idempotency_key_required"
        )
    fingerprint = _fingerprint(
        source_account_id=source_account_id,
        source_ledger_account_id=source_ledger_account_id,
        amount=amount.minor,
        currency=amount.currency,
        creditor_name=creditor_name,
        creditor_iban=creditor_iban,
        reference=reference,
        end_to_end_id=end_to_end_id,
        instant=instant,
        execution_date=execution_date,
        beneficiary_id=beneficiary_id,
        standing_order_id=standing_order_id,
        occurrence_date=occurrence_date,
    )
    replayed = _replay(customer_id=customer_id, idempotency_key=key, fingerprint=fingerprint)
    if replayed is not None:
        return replayed
    # Validation and the payee check (an HTTP call for another bank) happen before any transaction.
    draft = payment_prepare(
        customer_id=customer_id,
        amount=amount,
        creditor_name=creditor_name,
        creditor_iban=creditor_iban,
        now=now,
        source_account_id=source_account_id,
        source_ledger_account_id=source_ledger_account_id,
        debtor_name=debtor_name,
        debtor_iban=debtor_iban,
        reference=reference,
        end_to_end_id=end_to_end_id,
        instant=instant,
        execution_date=execution_date,
        beneficiary_id=beneficiary_id,
    )
    if payee_must_be_payer:
        _payee_is_payer(draft)
    who = actor or (f"partner:{partner_id}" if partner_id else f"customer:{customer_id}")
    try:
        with transaction.atomic():
            payment = _create(
                draft=draft,
                key=key,
                fingerprint=fingerprint,
                channel=channel,
                consent_id=consent_id,
                partner_id=partner_id,
                standing_order_id=standing_order_id,
                occurrence_date=occurrence_date,
                now=now,
            )
            # The payment's own rows (its fields, its timeline) are written once, when the checks
            # are done: one UPDATE and one INSERT instead of a save and a line per step.
            steps = PaymentSteps(payment)
            steps.line(PaymentEvent(payment_id=payment.pk, from_status="", to_status=payment.status, actor=who[:64],
                                    reason="payment ordered", at=now))  # fmt: skip
            steps.publish_created()
            exemption = sca_exemption or payment_sca.exemption_evaluate(
                customer_id=customer_id,
                amount=amount,
                trusted_beneficiary=draft.beneficiary_trusted,
                own_accounts=draft.payee.customer_id == customer_id,
                secure_corporate=partner_id is not None,
                now=now,
            )
            if sca_challenge_id is not None:
                sca.challenge_consume(
                    challenge_id=sca_challenge_id,
                    user_id=customer_id,
                    payload_hash=sca_read.details_hash(action=payment_sca.ACTION, details=draft.sca_details()),
                    now=now,
                )
                payment.sca_challenge_id = sca_challenge_id
            elif exemption and payment_sca.exemption_apply(
                customer_id=customer_id, exemption=exemption, amount=amount, ref=payment.ref, now=now
            ):
                payment.sca_exemption = exemption[:32]
            else:
                payment.sca_challenge_id = sca.challenge_create(
                    user_id=customer_id, action=payment_sca.ACTION, details=draft.sca_details(), now=now
                )
                steps.changed("sca_challenge_id")
                steps.write()
                return payment_view(payment)
            steps.changed("sca_challenge_id", "sca_exemption")
            steps.step(to=PaymentStatus.CHECKING, actor=who, reason=_sca_reason(payment), now=now, notify=False)
            _checks_run(steps, draft=draft, actor=who, now=now)
            view = payment_view(payment)
    except IntegrityError:
        # A second submit with the same key raced this one to the unique key: answer with the first.
        replayed = _replay(customer_id=customer_id, idempotency_key=key, fingerprint=fingerprint)
        if replayed is None:
            raise
        return replayed
    return payment_as_it_stands(view)


def payment_as_it_stands(view: PaymentView) -> PaymentView:
    """The payment as it is now rather than as its transaction left it.

    An accepted instant payment is sent when that transaction commits, and on the embedded default
    (tasks eager, no worker) the clearing house's answer is ingested inline right then, so by the time
    the caller answers it may be settled or rejected (AB05, AC04 …). With a worker, or inside a caller's
    own transaction, it is still accepted or submitted, which the read shows just as well.
    """
    if view.instant and view.status == PaymentStatus.ACCEPTED:
        return selectors.payment_get(payment_id=view.id) or view
    return view


def _sca_reason(payment: Payment) -> str:
    if payment.sca_exemption:
        return f"SCA exemption: {payment.sca_exemption}"
    return f"authorised with SCA (challenge {payment.sca_challenge_id})"


def _create(
    *,
    draft: PaymentDraft,
    key: str,
    fingerprint: str,
    channel: str,
    consent_id: str | None,
    partner_id: int | None,
    standing_order_id: int | None,
    occurrence_date: date | None,
    now: datetime,
) -> Payment:
    tx_id = _new_tx_id()
    with transaction.atomic():  # a savepoint: the key's unique violation must leave the outer block usable
        return Payment.objects.create(
            customer_id=draft.customer_id,
            source_account_id=draft.source.account_id,
            source_ledger_account_id=draft.source.ledger_account_id,
            debtor_name=draft.source.name[:140],
            debtor_iban=draft.source.iban,
            debtor_bic=draft.source.bic,
            amount_minor=draft.amount.minor,
            currency=draft.amount.currency,
            creditor_name=draft.payee.name,
            creditor_iban=draft.payee.iban,
            creditor_bic=draft.payee.bic,
            creditor_account_id=draft.payee.account_id,
            creditor_ledger_account_id=draft.payee.ledger_account_id,
            beneficiary_id=draft.beneficiary_id,
            standing_order_id=standing_order_id,
            occurrence_date=occurrence_date,
            reference=draft.reference,
            end_to_end_id=draft.end_to_end_id or tx_id,
            tx_id=tx_id,
            kind=draft.payee.kind,
            channel=channel,
            execution_date=draft.execution_date,
            status=PaymentStatus.AWAITING_SCA,
            vop_result=draft.check.result,
            vop_name=draft.check.matched_name,
            vop_checked_at=now if draft.check.result else None,
            consent_id=consent_id,
            partner_id=partner_id,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            created_at=now,
            updated_at=now,
        )


# --- authorisation of a waiting payment -----------------------------------------------------------


def payment_authorise(*, customer_id: int, payment_id: int, otp_token: str, now: datetime) -> PaymentView:
    """Approve a payment waiting in ``awaiting_sca`` with the customer's code, then run its checks.

    Submitting twice is harmless: a payment past ``awaiting_sca`` is returned as it is. A wrong
    code raises ``ChallengeRefused`` and leaves the payment waiting; an expired or spent
    challenge is replaced by a fresh one (the refusal says to enter a new code).
    """
    payment = selectors.payment_of_customer(customer_id=customer_id, payment_id=payment_id)
    if payment is None:
        raise PaymentNotFound(f"no payment {payment_id}")
    if payment.status != PaymentStatus.AWAITING_SCA:
        return payment_view(payment)
    details = payment_sca.payment_sca_details(
        amount=Money(payment.amount_minor, payment.currency),
        creditor_iban=payment.creditor_iban,
        creditor_name=payment.creditor_name,
    )
    assert payment.sca_challenge_id is not None
    try:
        sca.challenge_approve(
            challenge_id=payment.sca_challenge_id, user_id=customer_id, otp_token=otp_token, details=details, now=now
        )
    except sca.ChallengeRefused as refused:
        payment.refresh_from_db()
        if payment.status != PaymentStatus.AWAITING_SCA:
            return payment_view(payment)  # the other click of a double submit went through
        if refused.code in ("challenge_expired", "challenge_invalidated", "challenge_mismatch"):
            _challenge_renew(payment_id=payment.pk, details=details, now=now)
        raise
    draft = _draft_of(payment, now=now)
    who = f"customer:{customer_id}"
    with transaction.atomic():
        locked = payment_lock(payment_id=payment.pk)
        if locked.status != PaymentStatus.AWAITING_SCA:
            return payment_view(locked)
        sca.challenge_consume(
            challenge_id=payment.sca_challenge_id,
            user_id=customer_id,
            payload_hash=sca_read.details_hash(action=payment_sca.ACTION, details=details),
            now=now,
        )
        steps = PaymentSteps(locked)
        steps.step(to=PaymentStatus.CHECKING, actor=who, reason=_sca_reason(locked), now=now, notify=False)
        _checks_run(steps, draft=draft, actor=who, now=now)
        view = payment_view(locked)
    return payment_as_it_stands(view)


def _challenge_renew(*, payment_id: int, details: dict[str, object], now: datetime) -> None:
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.AWAITING_SCA:
            return
        payment.sca_challenge_id = sca.challenge_create(
            user_id=payment.customer_id, action=payment_sca.ACTION, details=details, now=now
        )
        payment.save(update_fields=["sca_challenge_id"])


def _draft_of(payment: Payment, *, now: datetime) -> PaymentDraft:
    """The stored order as a draft again, for the checks after a late authorisation."""
    return PaymentDraft(
        customer_id=payment.customer_id,
        source=Source(
            payment.source_account_id,
            payment.source_ledger_account_id,
            payment.debtor_name,
            payment.debtor_iban,
            payment.debtor_bic,
            payment.currency,
        ),
        payee=Payee(
            payment.creditor_name,
            payment.creditor_iban,
            payment.creditor_bic,
            payment.kind,
            payment.creditor_account_id,
            payment.creditor_ledger_account_id,
            None,
            payment.creditor_iban[:2],
        ),
        amount=Money(payment.amount_minor, payment.currency),
        reference=payment.reference,
        end_to_end_id=payment.end_to_end_id,
        execution_date=payment.execution_date,
        beneficiary_id=payment.beneficiary_id,
        beneficiary_trusted=False,
        beneficiary_created_at=payment.beneficiary.created_at
        if payment.beneficiary_id and payment.beneficiary
        else None,
        check=vop.PayeeCheck(payment.vop_result, payment.vop_name, payment.kind == PaymentKind.INTERNAL),
        today=validation.bank_today(now),
    )


# --- the checks and the money ----------------------------------------------------------------------


def _hold_expiry(execution_date: date) -> datetime:
    zone = ZoneInfo(settings.BANK_TIME_ZONE)
    return datetime.combine(execution_date, time.max, tzinfo=zone) + HOLD_MARGIN


def _reject(steps: PaymentSteps, *, code: str, reason: str, actor: str, now: datetime) -> None:
    steps.step(to=PaymentStatus.REJECTED, actor=actor, reason=reason, reason_code=code, now=now)
    steps.write()


def _fraud_check(payment: Payment, *, draft: PaymentDraft, now: datetime) -> tuple[str, int | None, str]:
    """("allow" | "review" | "block", the alert that holds it, why), the decision and screening done.

    Any error of a rule or of screening is a review: a payment is held, never let through,
    when the bank cannot tell.
    """
    try:
        with transaction.atomic():  # a savepoint: a database error here must not spoil the payment's transaction
            return _fraud_check_once(payment, draft=draft, now=now)
    except Exception as exc:
        log.exception("payment checks failed; the payment is held", extra={"payment": payment.pk})
        alert_id = fraud.alert_open(
            summary=f"Checks of payment {payment.pk} failed: {type(exc).__name__}",
            score=1.0,
            now=now,
            dedupe_key=f"payment-check-error:{payment.pk}",
            customer_id=payment.customer_id,
            payment_ref=payment.ref,
            details={"error": repr(exc)[:500]},
        )
        return "review", alert_id, f"the checks could not run ({type(exc).__name__}): held for a fraud analyst"


def _fraud_check_once(payment: Payment, *, draft: PaymentDraft, now: datetime) -> tuple[str, int | None, str]:
    status = kyc.customer_status(customer_id=payment.customer_id)
    decision = fraud.transaction_decide(
        txn=fraud.ProposedTransaction(
            reference=payment.ref,
            customer_id=payment.customer_id,
            amount=draft.amount,
            counterparty_key=draft.payee.iban,
            counterparty_name=draft.payee.name,
            counterparty_country=draft.payee.country,
            channel="payment",
            beneficiary_created_at=draft.beneficiary_created_at,
            kyc_tier=str(status.tier),
            risk_rating=status.risk_rating or "",
            customer_kind=status.party_kind or "",
        ),
        now=now,
    )
    payment.fraud_decision_id = decision.transaction_id
    payment.fraud_outcome = decision.outcome
    if decision.outcome == "block":
        return "block", decision.alert_id, decision.explain()
    # Registered and screened in one statement, here and now: the payment waits for the answer,
    # so no second screening is queued for later (counterparties are not re-screened).
    outcome = fraud.counterparties_screen(
        customer_id=payment.customer_id, parties=[(payment.ref, draft.payee.name, draft.payee.country)], now=now
    )[payment.ref]
    if outcome.alert_id is not None:
        return (
            "review",
            outcome.alert_id,
            f"the payee's name resembles a listed name ({outcome.matches[0].listed_name})",
        )
    if decision.outcome == "review":
        return "review", decision.alert_id, decision.explain()
    return "allow", None, decision.explain()


def _reserve(payment: Payment, *, now: datetime) -> None:
    payment.hold_id = ledger.hold_create(
        account_id=payment.source_ledger_account_id,
        amount=Money(payment.amount_minor, payment.currency),
        idempotency_key=f"{payment.ref}:hold",
        expires_at=_hold_expiry(payment.execution_date),
        now=now,
        description=f"Payment to {payment.creditor_name}"[:200],
    )


def _book(payment: Payment, *, now: datetime) -> None:
    """Move an internal payment's money: capture its hold, or post it at once when none."""
    assert payment.creditor_ledger_account_id is not None
    description = f"Payment {payment.tx_id} to {payment.creditor_name}"[:200]
    metadata = entry_metadata(reference=payment.reference, end_to_end_id=payment.end_to_end_id)
    if payment.hold_id is not None:
        payment.entry_id = ledger.hold_capture(
            hold_id=payment.hold_id,
            to_account_id=payment.creditor_ledger_account_id,
            idempotency_key=f"{payment.ref}:book",
            now=now,
            description=description,
            metadata=metadata,
        )
    else:
        payment.entry_id = ledger.transfer(
            from_account_id=payment.source_ledger_account_id,
            to_account_id=payment.creditor_ledger_account_id,
            amount=Money(payment.amount_minor, payment.currency),
            idempotency_key=f"{payment.ref}:book",
            description=description,
            metadata=metadata,
        )
    # Payer and payee are told of the money out and in by their accounts, once per posting: after
    # commit, so the accounts the posting locked are not held while the inbox rows are written.
    entry_id = payment.entry_id
    assert entry_id is not None
    transaction.on_commit(lambda: accounts.entry_notify(entry_id=entry_id, now=now))


def _record_limits(payment: Payment, *, now: datetime) -> None:
    kyc.limits_record(
        customer_id=payment.customer_id,
        kind=kyc.LimitKind.PAYMENT_OUT,
        amount=Money(payment.amount_minor, payment.currency),
        ref=payment.ref,
        now=now,
    )


def _checks_run(steps: PaymentSteps, *, draft: PaymentDraft, actor: str, now: datetime) -> None:
    """From ``checking`` to accepted / settled / held / rejected; the payment is locked by the caller.

    Everything it changes on the payment is written by ``steps`` once, at the end.
    """
    payment = steps.payment
    amount = Money(payment.amount_minor, payment.currency)
    if payment.channel != PaymentChannel.WALLET:
        try:
            kyc.limits_check(customer_id=payment.customer_id, kind=kyc.LimitKind.PAYMENT_OUT, amount=amount, now=now)
        except kyc.LimitExceeded as exceeded:
            _reject(steps, code=Reason.LIMITS, reason=str(exceeded), actor="system", now=now)
            return
        except kyc.RateUnavailable as missing:
            _reject(steps, code=Reason.NOT_ALLOWED, reason=str(missing), actor="system", now=now)
            return
    verdict, alert_id, why = _fraud_check(payment, draft=draft, now=now)
    payment.fraud_alert_id = alert_id
    steps.changed("fraud_decision_id", "fraud_outcome", "fraud_alert_id")
    if verdict == "block":
        _reject(steps, code=Reason.FRAUD, reason=f"refused by fraud monitoring: {why}", actor="fraud", now=now)
        return
    book_now = payment.kind == PaymentKind.INTERNAL and verdict == "allow" and not draft.future
    try:
        with transaction.atomic():  # the money and its limit usage together, or neither
            if book_now:
                _book(payment, now=now)
            else:
                _reserve(payment, now=now)
            if payment.channel != PaymentChannel.WALLET:
                _record_limits(payment, now=now)
        steps.changed("entry_id", "hold_id")
    except ledger_errors.InsufficientFunds:
        payment.hold_id = payment.entry_id = None
        _reject(steps, code=Reason.FUNDS, reason="insufficient funds", actor="system", now=now)
        return
    except (ledger_errors.AccountFrozen, ledger_errors.AccountClosed) as refused:
        payment.hold_id = payment.entry_id = None
        _reject(steps, code=Reason.NOT_ALLOWED, reason=f"the account cannot pay: {refused}", actor="system", now=now)
        return
    except kyc.LimitExceeded as exceeded:
        payment.hold_id = payment.entry_id = None
        _reject(steps, code=Reason.LIMITS, reason=str(exceeded), actor="system", now=now)
        return
    if verdict == "review":
        steps.step(to=PaymentStatus.HELD_FOR_REVIEW, actor="fraud", reason=why, now=now)
        steps.write()
        return
    steps.step(to=PaymentStatus.ACCEPTED, actor=actor, reason="checks passed", now=now, notify=False)
    if book_now:
        steps.step(to=PaymentStatus.SETTLED, actor="system", reason="booked within the bank", now=now)
    steps.write()


# --- execution of what waited: a released payment, a future-dated one -----------------------------


def payment_execute(*, payment_id: int, actor: str, reason: str, now: datetime) -> bool:
    """Book an accepted internal payment whose day has come (its hold captured); True if booked.

    External payments wait for settlement, which takes them from ``accepted`` itself.
    """
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.ACCEPTED or payment.kind != PaymentKind.INTERNAL:
            return False
        if payment.execution_date > validation.bank_today(now):
            return False
        steps = PaymentSteps(payment)
        try:
            with transaction.atomic():
                _book(payment, now=now)
        except (ledger_errors.HoldNotActive, ledger_errors.InsufficientFunds):
            payment.entry_id = None
            _reject(steps, code=Reason.FUNDS, reason="the reserved funds were no longer there", actor="system", now=now)
            return False
        except (ledger_errors.AccountFrozen, ledger_errors.AccountClosed) as refused:
            payment.entry_id = None
            _reject(
                steps,
                code=Reason.NOT_ALLOWED,
                reason=f"an account cannot take part: {refused}",
                actor="system",
                now=now,
            )
            return False
        steps.changed("entry_id", "hold_id")
        steps.step(to=PaymentStatus.SETTLED, actor=actor, reason=reason, now=now)
        steps.write()
        return True
