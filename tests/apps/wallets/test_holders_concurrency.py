"""Races on Postgres with real threads: one number, one holder; a capture and a P2P credit never both fit."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.wallets import tasks
from apps.wallets.errors import WalletRefused
from apps.wallets.models import TopUp, Wallet, WalletPhone
from apps.wallets.services import phones, topups, transfers
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.wallets.acquirer import Wire
from tests.apps.wallets.factories import customer, funded_wallet, key, texted_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLAIMANTS = 8


def test_eight_customers_verifying_one_number_at_once_leave_one_holder(now: datetime) -> None:
    people = [customer() for _ in range(CLAIMANTS)]
    for person in people:
        phones.phone_claim(customer_id=person.pk, phone="+49 151 1234 5678", now=now)
    codes = [texted_code(person) for person in people]
    barrier = threading.Barrier(CLAIMANTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        try:
            phones.phone_verify(customer_id=people[n].pk, code=codes[n], now=now)
            outcome = "verified"
        except WalletRefused as refused:
            outcome = refused.code
        with lock:
            outcomes.append(outcome)

    run_concurrently(worker, count=CLAIMANTS, barrier=barrier)
    assert sorted(outcomes) == ["phone_unavailable"] * (CLAIMANTS - 1) + ["verified"], outcomes
    assert WalletPhone.objects.filter(phone="+4915112345678").count() == 1


def test_a_capture_and_a_p2p_credit_racing_never_exceed_the_held_limit(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    erin, alice = customer(tier=1), customer()  # erin holds at most 150.00 EUR
    source = funded_wallet(alice, "100.00", now=now)
    monkeypatch.setattr(tasks.topup_capture, "delay", lambda **_: None)  # the capture is the race's, below
    monkeypatch.setattr(tasks.topup_give_back, "delay", lambda **_: None)
    topup_id, _ = topups.topup_start(
        customer_id=erin.pk, currency="EUR", amount=Money.of("100.00", "EUR"), idempotency_key=key(), now=now
    )
    topup = TopUp.objects.get(pk=topup_id)
    card = {"number": "4242424242424242", "expiry": "12/30", "cvc": "123"}
    Client().post(f"/sim/acquirer/pay/{topup.intent_id}/", card)
    topup.refresh_from_db()
    assert topup.status == "authorised"
    captured = {"intent_id": topup.intent_id, "reference": f"topup:{topup.pk}", "amount_minor": 10000}
    captured["currency"] = "EUR"
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def worker(n: int) -> None:
        barrier.wait()
        if n == 0:
            with transaction.atomic():
                outcomes["capture"] = topups._apply("payment_intent.captured", captured, now=now)
            return
        try:
            outcomes["p2p"] = transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=source.pk, address=erin.email, amount=Money.of("60.00", "EUR"),
                note="", idempotency_key=key(), now=now, secure_corporate=True,
            ).status  # fmt: skip
        except WalletRefused as refused:
            outcomes["p2p"] = refused.code

    run_concurrently(worker, count=2, barrier=barrier)
    wallet = Wallet.objects.get(customer=erin, currency="EUR")
    held = ledger_read.balance(account_id=wallet.ledger_account_id)
    assert held <= Money.of("150.00", "EUR")
    assert (outcomes["capture"], outcomes["p2p"], held) in (
        ("captured", "recipient_limit", Money.of("100.00", "EUR")),
        ("returned", "completed", Money.of("60.00", "EUR")),
    ), outcomes
