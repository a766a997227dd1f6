"""A payment a third-party provider makes with the customer's single-payment consent (Berlin Group).

The customer approved exactly one payment in the portal with SCA bound to its amount and payee
(``bankcore.api.consents``). The partner then sends that payment with ``consent_id``; it is made
from the consenting customer's account through the whole spine (``services.initiate``: KYC
limits, funds, fraud, screening, statuses), with the consent's approval as its SCA. In one
transaction: the payment, then the consent spent on it (``consent_payment_consume``, under the
consent's lock). Any refusal, the consent's or the payment's, leaves nothing written; a second
payment with the same consent is refused ``consent_used``; the same request again (same
idempotency key) returns the first payment.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from apps.payments import selectors
from apps.payments.errors import PaymentInputInvalid
from apps.payments.models import Payment, PaymentChannel
from apps.payments.selectors import PaymentView, payment_view
from apps.payments.services import initiate
from bankcore.api import consents
from bankcore.money import Money

# The reason recorded on the payment for needing no SCA of its own: the consent's approval was it.
CONSENT_SCA = "payment_consent"


def _source_of(*, customer_id: int, source_account: str) -> int:
    """The consenting customer's account; anything else is unknown to the partner."""
    found = selectors.source_account_of(customer_id=customer_id, value=source_account)
    if found is None:
        raise PaymentInputInvalid(
            "No such account of the consenting customer.", code="unknown_account", field="source_account"
        )
    return found


def consent_payment_initiate(
    *,
    application_id: int,
    consent_id: str,
    source_account: str,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    idempotency_key: str,
    now: datetime,
    reference: str = "",
    end_to_end_id: str = "",
    instant: bool = False,
    execution_date: date | None = None,
) -> PaymentView:
    """Make the payment the partner's consent ``consent_id`` (its wire id) authorises; returns its view.

    Refused before anything is written: ``ConsentRefused`` and its kinds (``consent_not_found``,
    ``consent_kind_invalid``, ``consent_not_usable``, ``ConsentUsed``, ``ConsentMismatch``) and
    the payment's own ``PaymentInvalid`` (``unknown_account`` for an account that is not the
    consenting customer's).
    """
    found = consents.consent_get_for_partner(public_id=consent_id, application_id=application_id)
    if found is None:
        raise consents.ConsentNotFound("No such consent.")
    customer_id = found.customer_id
    source_id = _source_of(customer_id=customer_id, source_account=source_account)
    key = f"c:{idempotency_key}"  # the payer's keys: apart from the same partner's acting-for payments
    earlier = selectors.payment_by_key(customer_id=customer_id, idempotency_key=key)
    terms = {
        "public_id": found.public_id,
        "application_id": application_id,
        "amount": amount,
        "creditor_name": creditor_name,
        "creditor_iban": creditor_iban,
        "reference": reference,
        "source_account_id": source_id,
        "now": now,
    }
    # Checked first so a refused consent costs no payee check, fraud decision or hold.
    consents.consent_payment_check(**terms, payment_ref=earlier.ref if earlier is not None else "")  # type: ignore[arg-type]
    with transaction.atomic():
        view = initiate.payment_initiate(
            customer_id=customer_id,
            source_account_id=source_id,
            amount=amount,
            creditor_name=creditor_name,
            creditor_iban=creditor_iban,
            reference=reference,
            end_to_end_id=end_to_end_id,
            instant=instant,
            execution_date=execution_date,
            idempotency_key=key,
            channel=PaymentChannel.API,
            sca_exemption=CONSENT_SCA,
            consent_id=str(found.public_id),
            partner_id=application_id,
            actor=f"partner:{application_id}",
            now=now,
        )
        payment = Payment.objects.select_for_update().get(pk=view.id)
        spent = consents.consent_payment_consume(**terms, payment_ref=payment.ref)  # type: ignore[arg-type]
        if spent.sca_challenge_id is not None and payment.sca_challenge_id is None:
            payment.sca_challenge_id = spent.sca_challenge_id
            payment.save(update_fields=["sca_challenge_id"])
        view = payment_view(payment)
    return initiate.payment_as_it_stands(view)
