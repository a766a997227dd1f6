"""Racing payments with one single-payment consent, under different keys: exactly one is made."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from apps.payments.models import Payment
from apps.payments.services.consent_payments import consent_payment_initiate
from bankcore.api import consents
from bankcore.api.models import Consent
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer
from tests.apps.payments.test_api_consent_payments import consent_for
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 4


def test_one_consent_pays_once_however_many_race_for_it() -> None:
    alice = payer(balance="1000.00", full_name="Alice Example")
    tpp = AccessTokenFactory(application=PartnerGrantFactory(acting_for=None).application)
    consent = consent_for(tpp, alice)
    barrier = threading.Barrier(RACERS)
    made: list[int] = []
    refused: list[str] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            view = consent_payment_initiate(
                application_id=tpp.application_id, consent_id=str(consent.public_id),
                source_account=str(alice.account.pk), amount=Money.of("25.00", "EUR"), creditor_name=EXTERNAL_NAME,
                creditor_iban=EXTERNAL_IBAN, reference="Invoice 42", idempotency_key=f"race-{n}", now=timezone.now(),
            )  # fmt: skip
        except consents.ConsentRefused as refusal:
            refused.append(refusal.code)
        else:
            made.append(view.id)

    run_concurrently(worker, count=RACERS, barrier=barrier)
    assert len(made) == 1
    assert refused == ["consent_used"] * (RACERS - 1)
    assert Payment.objects.count() == 1
    assert Consent.objects.get(pk=consent.id).payment_ref == f"payment:{made[0]}"
    assert ledger_read.available_balance(account_id=alice.account.ledger_account_id) == Money.of("975.00", "EUR")
