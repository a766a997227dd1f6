"""``consent_payment_consume``: a single-payment consent pays exactly what was approved, once, then is spent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bankcore.api import consents
from bankcore.api.models import Consent
from bankcore.api.visibility import partner_may_see_payment
from bankcore.events.models import OutboxEvent
from bankcore.money import Money
from tests.bankcore.api.factories import AccountConsentFactory, ApplicationFactory, PaymentConsentFactory

pytestmark = pytest.mark.django_db


def terms(consent: Consent, **changes: Any) -> dict[str, Any]:
    return {
        "public_id": consent.public_id,
        "application_id": consent.application_id,
        "amount": Money.of("25.00", "EUR"),
        "creditor_name": "Muster  GmbH",  # spaces aside, the same name
        "creditor_iban": "DE89 3704 0044 0532 0130 00",
        "reference": "Invoice 42",
        "source_account_id": 1,
        "payment_ref": "payment:7",
    } | changes


def test_spent_once_then_expired_and_the_partner_sees_that_payment(now: datetime) -> None:
    consent = PaymentConsentFactory()
    used = consents.consent_payment_consume(**terms(consent), now=now)
    assert (used.consent.status, used.consent.payment_ref, used.consent.used_at) == ("expired", "payment:7", now)
    assert used.sca_challenge_id is None  # approved by the factory, not through a challenge
    assert OutboxEvent.objects.filter(name="consent.used").count() == 1
    again = consents.consent_payment_consume(**terms(consent), now=now)  # the same payment: a replay
    assert again.consent.status == "expired"
    assert OutboxEvent.objects.filter(name="consent.used").count() == 1
    with pytest.raises(consents.ConsentUsed):
        consents.consent_payment_consume(**terms(consent, payment_ref="payment:8"), now=now)
    customer = consent.customer_id
    app = consent.application_id
    assert partner_may_see_payment(application_id=app, customer_id=customer, payment_ref="payment:7")
    assert not partner_may_see_payment(application_id=app, customer_id=customer, payment_ref="payment:8")
    other = ApplicationFactory().pk
    assert not partner_may_see_payment(application_id=other, customer_id=customer, payment_ref="payment:7")


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"amount": Money.of("25.00", "USD")}, ("currency",)),
        ({"amount": Money.of("2.50", "EUR")}, ("amount",)),
        ({"creditor_name": "Other GmbH", "creditor_iban": "NL91ABNA0417164300"}, ("creditor.name", "creditor.iban")),
        ({"reference": ""}, ("reference",)),
        ({"source_account_id": 2}, ("source_account",)),
    ],
)
def test_anything_else_is_a_mismatch_that_changes_nothing(
    now: datetime, changes: dict[str, Any], fields: tuple[str, ...]
) -> None:
    consent = PaymentConsentFactory()
    with pytest.raises(consents.ConsentMismatch) as refused:
        consents.consent_payment_consume(**terms(consent, **changes), now=now)
    assert refused.value.fields == fields
    consent.refresh_from_db()
    assert (consent.status, consent.used_at) == ("valid", None)


def test_refusals(now: datetime) -> None:
    def code(consent: Consent, **changes: Any) -> str:
        with pytest.raises(consents.ConsentRefused) as refused:
            consents.consent_payment_check(**terms(consent, **changes), now=now)
        return refused.value.code

    assert code(AccountConsentFactory()) == "consent_kind_invalid"
    assert code(PaymentConsentFactory(status=Consent.Status.REVOKED_BY_PSU)) == "consent_not_usable"
    assert code(PaymentConsentFactory(valid_until=now.date().replace(day=1))) == "consent_not_usable"
    mine = PaymentConsentFactory()
    assert code(mine, application_id=ApplicationFactory().pk) == "consent_not_found"
    assert code(mine, public_id="not-a-uuid") == "consent_not_found"
