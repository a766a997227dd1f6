"""Fifty simultaneous sends from one wallet whose balance covers ten: exactly ten go through."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from apps.wallets.errors import WalletRefused
from apps.wallets.models import WalletTransfer
from apps.wallets.services import transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.wallets.factories import approved_challenge, customer, funded_wallet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENDS = 50


def test_fifty_sends_against_ten_sends_worth_of_money(now: datetime) -> None:
    alice, bob = customer(), customer()
    source = funded_wallet(alice, "100.00", now=now)
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    amount = Money.of("10.00", "EUR")
    challenges = [
        approved_challenge(alice, wallet=source, address=bob.email, amount=amount, now=now) for _ in range(SENDS)
    ]
    barrier = threading.Barrier(SENDS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        try:
            result = transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=amount, note=f"#{n}",
                idempotency_key=f"race-{n}", now=now, challenge_id=challenges[n],
            )  # fmt: skip
            outcome = result.status
        except WalletRefused as refused:
            outcome = refused.code
        with lock:
            outcomes.append(outcome)

    run_concurrently(worker, count=SENDS, barrier=barrier)

    accepted = [o for o in outcomes if o in ("completed", "held_for_review")]
    assert len(accepted) == 10, outcomes
    assert outcomes.count("insufficient_funds") == SENDS - 10
    assert WalletTransfer.objects.count() == 10
    assert ledger_read.available_balance(account_id=source.ledger_account_id) == Money(0, "EUR")
    completed = WalletTransfer.objects.filter(status="completed").count()
    assert ledger_read.balance(account_id=target.ledger_account_id) == Money(1000 * completed, "EUR")
