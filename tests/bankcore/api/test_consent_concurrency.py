"""Real threads against PostgreSQL: a consent's daily reads and its one payment are never exceeded by a race."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from bankcore.api import consents
from bankcore.api.models import ConsentAccess
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.bankcore.api.factories import AccountConsentFactory, PaymentConsentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_parallel_reads_stop_at_frequency_per_day(now: datetime) -> None:
    consent = AccountConsentFactory(frequency_per_day=4)
    allowed: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def read(number: int) -> None:
        start.wait()
        try:
            consents.consent_access_record(consent_id=consent.pk, account_id=1, access="transactions", now=now)
        except consents.AccessFrequencyExceeded as exceeded:
            with lock:
                refused.append(exceeded.code)
        else:
            with lock:
                allowed.append(number)

    run_concurrently(read, count=THREADS, barrier=start)
    assert len(allowed) == 4
    assert refused == ["access_frequency_exceeded"] * (THREADS - 4)
    assert ConsentAccess.objects.get(consent=consent).count == 4


def test_parallel_payments_use_one_consent_once(now: datetime) -> None:
    consent = PaymentConsentFactory()
    used: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def pay(number: int) -> None:
        start.wait()
        try:
            consents.consent_payment_consume(
                public_id=consent.public_id,
                application_id=consent.application_id,
                amount=Money(2500, "EUR"),
                creditor_name=consent.creditor_name,
                creditor_iban=consent.creditor_iban,
                reference=consent.reference,
                source_account_id=1,
                payment_ref=f"payment:{number}",
                now=now,
            )
        except consents.ConsentRefused as refusal:
            with lock:
                refused.append(refusal.code)
        else:
            with lock:
                used.append(number)

    run_concurrently(pay, count=THREADS, barrier=start)
    assert len(used) == 1
    assert refused == ["consent_used"] * (THREADS - 1)
