"""Real threads against PostgreSQL: the payer's counter lock, not luck, hands out the last exempt slot once."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from django.db import transaction

from bankcore.money import Money
from bankcore.sca import services as sca
from bankcore.sca.models import ExemptionUse
from bankcore.sca.selectors import details_hash
from bankcore.testing.threads import run_concurrently
from tests.bankcore.sca.factories import PayerFactory, TOTPDeviceFactory
from tests.bankcore.users.otp import totp_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def race(payer_id: int, *, now: datetime, amount: Money, prefix: str) -> tuple[list[int], list[str]]:
    """Every thread evaluates (all see a free slot), then applies inside its own payment transaction."""
    applied: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def pay(number: int) -> None:
        assert sca.sca_exemption_evaluate(payer_id=payer_id, amount=amount, now=now) is not None
        start.wait()
        try:
            with transaction.atomic():
                sca.sca_exemption_apply(
                    payer_id=payer_id, exemption="low_value", amount=amount, ref=f"{prefix}:{number}", now=now
                )
                time.sleep(0.02)  # the rest of the payment: holds the counter lock a while
        except sca.ExemptionRefused as refusal:
            with lock:
                refused.append(refusal.code)
        else:
            with lock:
                applied.append(number)

    run_concurrently(pay, count=THREADS, barrier=start)
    return applied, refused


def test_racing_payments_get_the_last_slot_once(now: datetime) -> None:
    payer = PayerFactory()
    for n in range(4):
        with transaction.atomic():
            sca.sca_exemption_apply(
                payer_id=payer.pk, exemption="low_value", amount=Money(100, "EUR"), ref=f"p:{n}", now=now
            )
    applied, refused = race(payer.pk, now=now, amount=Money(100, "EUR"), prefix="race")
    assert len(applied) == 1
    assert refused == ["exemption_exhausted"] * (THREADS - 1)
    assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_count == 5
    assert ExemptionUse.objects.filter(payer=payer).count() == 5


def test_first_payments_of_a_new_payer_share_one_counter(now: datetime) -> None:
    # No counter row yet: the threads race to create it too, and none may break its transaction.
    payer = PayerFactory()
    applied, refused = race(payer.pk, now=now, amount=Money(2500, "EUR"), prefix="new")
    # 25 EUR each: four fit in 100 EUR, the fifth would make 125.
    assert len(applied) == 4
    assert refused == ["exemption_exhausted"] * (THREADS - 4)
    counter = sca.sca_exemption_counter(payer_id=payer.pk)
    assert (counter.exempt_count, counter.exempt_eur) == (4, Money(10000, "EUR"))


def test_one_approval_executes_one_payment_when_presented_at_once(now: datetime) -> None:
    payer = PayerFactory()
    device = TOTPDeviceFactory(user=payer)
    details = {"amount": "50.00", "currency": "EUR", "payee": "DE89370400440532013000"}
    cid = sca.challenge_confirm(
        user_id=payer.pk, action="payment", details=details, otp_token=totp_code(device), now=now
    )
    payload = details_hash(action="payment", details=details)
    executed: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def execute(number: int) -> None:
        start.wait()
        try:
            with transaction.atomic():
                sca.challenge_consume(challenge_id=cid, user_id=payer.pk, payload_hash=payload, now=now)
                time.sleep(0.02)
        except sca.ChallengeRefused as refusal:
            with lock:
                refused.append(refusal.code)
        else:
            with lock:
                executed.append(number)

    run_concurrently(execute, count=THREADS, barrier=start)
    assert len(executed) == 1
    assert refused == ["challenge_used"] * (THREADS - 1)
