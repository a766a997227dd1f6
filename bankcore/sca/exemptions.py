"""Exemptions from strong customer authentication, counted per payer across every context.

The rules (Commission Delegated Regulation (EU) 2018/389, the RTS on SCA):

- **Low value** (art. 16): a remote payment of at most 30.00 EUR needs no SCA while, counting this
  payment, the payer's payments without SCA since their last SCA of a payment sum to at most
  100.00 EUR and number at most five. So 30.00 is exempt and 30.01 is not; the fifth payment is
  exempt and the sixth is not; 90.00 already paid leaves exactly 10.00. Amounts in any currency
  count in euros at the bank's reference rate (``bankcore.fx.money_to_eur``); with no usable rate a
  payment is not low value (it gets SCA), because its size is unknown.
- **Trusted beneficiary** (art. 13): the payee is on the payer's own list of trusted
  beneficiaries, which the payer set up with SCA. The list lives in the caller's context (payments
  keeps beneficiaries); the kernel only records that the exemption was applied.
- **Own accounts** (art. 15): payer and payee are the same person, both accounts at this bank.
- **Secure corporate process** (art. 17): a partner acting for its own business customer (the
  partner's ``acting_for``, ``bankcore.api``) over the dedicated API.

Every payment made under any exemption counts towards the low-value allowance: art. 16 counts
"previous remote electronic payment transactions initiated by the payer since the last application
of strong customer authentication", whichever exemption let them through. A successful SCA of a
payment-like action (``challenge_consume`` of an action in ``PAYMENT_ACTIONS`` or starting with
``payment``) starts the count again. A payment rejected or returned later still counts: it was
initiated.

The pattern every money-moving flow follows (payments, wallets)::

    exemption = sca.sca_exemption_evaluate(payer_id=c, amount=amount, now=now, trusted_beneficiary=t)
    if exemption is None:
        ...challenge flow: challenge_create → challenge_approve → in the transaction below,
        sca.challenge_consume(challenge_id=..., user_id=c, payload_hash=..., now=now)
    with transaction.atomic():
        if exemption is not None:
            # Locks the payer's counter: of two payments racing for the last slot, one is refused
            # (ExemptionRefused ``exemption_exhausted``) and goes back to the challenge flow.
            sca.sca_exemption_apply(payer_id=c, exemption=exemption.exemption, amount=amount,
                                    ref=f"payment:{payment_id}", now=now)
        ...post to the ledger...

Lock order: apply the exemption (or consume the challenge) before the KYC usage and the ledger,
in every flow, so two payments of one payer never wait for each other's locks in opposite orders.

``sca_exemption_evaluate`` writes nothing (show the customer whether a code will be asked);
``sca_exemption_apply`` decides again under the lock and records the exemption with its ref, once:
applying the same ref again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from bankcore.bulk import row_insert
from bankcore.errors import DomainError
from bankcore.fx.errors import RateUnavailable
from bankcore.fx.selectors import money_to_eur
from bankcore.money import Money
from bankcore.sca.models import Exemption, ExemptionCounter, ExemptionUse

LOW_VALUE_MAX = Money(3000, "EUR")  # art. 16(a): at most 30 EUR a payment
LOW_VALUE_CUMULATIVE_MAX = Money(10000, "EUR")  # art. 16(b): at most 100 EUR since the last SCA
LOW_VALUE_COUNT_MAX = 5  # art. 16(c): at most five payments since the last SCA

# Challenge actions whose successful SCA starts the low-value count again. Any action whose name
# begins with "payment" counts too, so a context's new payment action needs no change here.
PAYMENT_ACTIONS = frozenset(
    {"payment", "payment_batch", "payment_consent", "standing_order", "wallet_transfer", "wallet_withdrawal"}
)

ARTICLES = {
    Exemption.LOW_VALUE: "RTS art. 16",
    Exemption.TRUSTED_BENEFICIARY: "RTS art. 13",
    Exemption.OWN_ACCOUNTS: "RTS art. 15",
    Exemption.SECURE_CORPORATE: "RTS art. 17",
}


class ExemptionRefused(DomainError):
    """The exemption cannot be applied; ``code`` says why. The caller falls back to SCA."""

    status_code = 403
    code = "exemption_refused"


@dataclass(frozen=True)
class ExemptionView:
    """An exemption that applies to a payment: its name (an ``Exemption`` value) and article."""

    exemption: str
    article: str


@dataclass(frozen=True)
class ExemptionCounterView:
    """What the payer paid without SCA since ``last_sca_at`` (None: never had SCA of a payment)."""

    payer_id: int
    exempt_count: int
    exempt_eur: Money
    last_sca_at: datetime | None


def is_payment_action(action: str) -> bool:
    """Whether a successful SCA of ``action`` is the SCA of a payment (and resets the count)."""
    return action in PAYMENT_ACTIONS or action.startswith("payment")


def sca_exemption_counter(*, payer_id: int) -> ExemptionCounterView:
    """The payer's low-value count and sum since their last SCA of a payment (zeros when none yet)."""
    row = ExemptionCounter.objects.filter(payer_id=payer_id).first()
    if row is None:
        return ExemptionCounterView(payer_id=payer_id, exempt_count=0, exempt_eur=Money(0, "EUR"), last_sca_at=None)
    return ExemptionCounterView(
        payer_id=payer_id,
        exempt_count=row.exempt_count,
        exempt_eur=Money(row.exempt_eur_minor, "EUR"),
        last_sca_at=row.last_sca_at,
    )


def _eur(amount: Money, *, now: datetime) -> Money | None:
    try:
        return money_to_eur(amount=amount, now=now)
    except RateUnavailable:
        return None


def _low_value_refusal(*, amount_eur: Money | None, count: int, sum_minor: int) -> str | None:
    """Why the low-value exemption does not apply (a stable code), or None when it does."""
    if amount_eur is None:
        return "exemption_rate_unavailable"
    if amount_eur > LOW_VALUE_MAX:
        return "exemption_amount_too_high"
    if count + 1 > LOW_VALUE_COUNT_MAX:
        return "exemption_exhausted"
    if sum_minor + amount_eur.minor > LOW_VALUE_CUMULATIVE_MAX.minor:
        return "exemption_exhausted"
    return None


def sca_exemption_evaluate(
    *,
    payer_id: int,
    amount: Money,
    now: datetime,
    own_accounts: bool = False,
    secure_corporate: bool = False,
    trusted_beneficiary: bool = False,
) -> ExemptionView | None:
    """The exemption this payment may use, or None when it needs SCA. Writes nothing.

    The caller says what it knows of the payment: ``own_accounts`` (both accounts the payer's, at
    this bank), ``secure_corporate`` (a partner acting for its own business customer),
    ``trusted_beneficiary`` (the payee is on the payer's trusted list). Those are preferred in that
    order; otherwise the low-value rule is checked against the payer's counter. The answer can
    change before the payment commits: ``sca_exemption_apply`` decides again under a lock.
    """
    if amount.minor <= 0:
        return None
    for flag, exemption in (
        (own_accounts, Exemption.OWN_ACCOUNTS),
        (secure_corporate, Exemption.SECURE_CORPORATE),
        (trusted_beneficiary, Exemption.TRUSTED_BENEFICIARY),
    ):
        if flag:
            return ExemptionView(exemption=exemption.value, article=ARTICLES[exemption])
    counter = sca_exemption_counter(payer_id=payer_id)
    refusal = _low_value_refusal(
        amount_eur=_eur(amount, now=now), count=counter.exempt_count, sum_minor=counter.exempt_eur.minor
    )
    if refusal is not None:
        return None
    return ExemptionView(exemption=Exemption.LOW_VALUE.value, article=ARTICLES[Exemption.LOW_VALUE])


def _counter_lock(*, payer_id: int) -> ExemptionCounter:
    """The payer's counter, created if missing, locked until the caller's transaction ends."""
    counter = ExemptionCounter.objects.select_for_update().filter(payer_id=payer_id).first()
    if counter is not None:
        return counter  # every payment but a payer's first: one statement
    # ON CONFLICT DO NOTHING: two first payments of a payer racing here both get the one row,
    # and no IntegrityError breaks the caller's transaction.
    ExemptionCounter.objects.bulk_create([ExemptionCounter(payer_id=payer_id)], ignore_conflicts=True)
    return ExemptionCounter.objects.select_for_update().get(payer_id=payer_id)


def sca_exemption_apply(*, payer_id: int, exemption: str, amount: Money, ref: str, now: datetime) -> None:
    """Record that the payment ``ref`` was made without SCA under ``exemption``; inside the payment's transaction.

    Locks the payer's counter, so concurrent payments of one payer are counted one after the
    other; for the low-value exemption it checks the limits again under that lock and refuses with
    ``exemption_exhausted`` (five payments or 100 EUR reached), ``exemption_amount_too_high`` (over
    30 EUR) or ``exemption_rate_unavailable`` (no usable rate to price it in EUR). The same ``ref``
    applied again (a retried request) changes nothing; the same ``ref`` with another payer,
    exemption or amount is refused with ``exemption_ref_reused``. Other refusals:
    ``exemption_unknown``, ``exemption_amount_not_positive``, ``exemption_outside_transaction``.
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside the payment's transaction the record could survive a payment that rolled back.
        raise ExemptionRefused(
            "Apply an exemption inside the payment's own transaction.", code="exemption_outside_transaction"
        )
    if exemption not in Exemption.values:
        raise ExemptionRefused(f"{exemption!r} is not an SCA exemption.", code="exemption_unknown")
    if amount.minor <= 0:
        raise ExemptionRefused("The amount must be greater than zero.", code="exemption_amount_not_positive")
    if not ref or len(ref) > 100:
        raise ExemptionRefused("A reference is 1 to 100 characters.", code="exemption_ref_invalid")
    counter = _counter_lock(payer_id=payer_id)
    amount_eur = _eur(amount, now=now)
    refusal = None
    if exemption == Exemption.LOW_VALUE:
        refusal = _low_value_refusal(
            amount_eur=amount_eur, count=counter.exempt_count, sum_minor=counter.exempt_eur_minor
        )
    # The ref's unique key is the "once": no read first, and no savepoint for a clash (ON CONFLICT
    # DO NOTHING leaves the caller's transaction usable). A retried request finds its own use.
    if refusal is None and row_insert(
        ExemptionUse,
        {
            "payer_id": payer_id, "exemption": exemption, "ref": ref, "amount_minor": amount.minor,
            "currency": amount.currency, "amount_eur_minor": amount_eur.minor if amount_eur is not None else None,
            "applied_at": now,
        },
        skip_conflicts=True,
    ):  # fmt: skip
        _count(counter, amount_eur=amount_eur, now=now)
        return
    existing = ExemptionUse.objects.filter(ref=ref).first()
    if existing is not None:
        if (existing.payer_id, existing.exemption, existing.amount_minor, existing.currency) != (
            payer_id, exemption, amount.minor, amount.currency,
        ):  # fmt: skip
            raise ExemptionRefused(f"{ref} was exempted with other details.", code="exemption_ref_reused")
        return  # applied before: counted then
    if refusal is None:  # the clash was another's row, gone since: never this ref's own
        raise ExemptionRefused(f"{ref} was exempted with other details.", code="exemption_ref_reused")
    raise ExemptionRefused("This payment needs strong customer authentication.", code=refusal)


def _count(counter: ExemptionCounter, *, amount_eur: Money | None, now: datetime) -> None:
    """Add one exempt payment to the locked counter."""
    counter.exempt_count += 1
    if amount_eur is None:
        # Unknown size: count the allowance as spent rather than guess, until the next SCA.
        counter.exempt_eur_minor = max(counter.exempt_eur_minor, LOW_VALUE_CUMULATIVE_MAX.minor)
    else:
        counter.exempt_eur_minor += amount_eur.minor
    counter.updated_at = now
    counter.save(update_fields=["exempt_count", "exempt_eur_minor", "updated_at"])


def sca_exemptions_reset(*, payer_id: int, now: datetime) -> None:
    """Start the low-value count again: the payer has just passed SCA for a payment.

    ``challenge_consume`` calls this for payment-like actions, in the same transaction.
    """
    counter = _counter_lock(payer_id=payer_id)
    counter.exempt_count = 0
    counter.exempt_eur_minor = 0
    counter.last_sca_at = now
    counter.updated_at = now
    counter.save(update_fields=["exempt_count", "exempt_eur_minor", "last_sca_at", "updated_at"])
