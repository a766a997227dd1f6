"""A top-up authorised within the held limit but captured after other money arrived never breaches it.

Two moments: before the bank asks for the capture (it voids the authorisation: the card is never
charged), and when the capture's webhook comes (money arrived in between: the wallet is not
credited, the acquirer refunds the card).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.wallets.models import TopUp, Wallet
from apps.wallets.services import topups, wallets
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Hold
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from simulators.acquirer import store, webhooks
from tests.apps.wallets.acquirer import Wire
from tests.apps.wallets.factories import customer, funded_wallet, key

pytestmark = pytest.mark.django_db

APPROVED = "4242 4242 4242 4242"


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def authorised(user: User, amount: str, callbacks: Any) -> tuple[TopUp, list[Any]]:
    """A top-up the acquirer authorised; the bank's request for the capture not run yet."""
    topup_id, _ = topups.topup_start(
        customer_id=user.pk, currency="EUR", amount=eur(amount), idempotency_key=key(), now=timezone.now()
    )
    topup = TopUp.objects.get(pk=topup_id)
    with callbacks(execute=False) as pending:
        Client().post(f"/sim/acquirer/pay/{topup.intent_id}/", {"number": APPROVED, "expiry": "12/30", "cvc": "123"})
    topup.refresh_from_db()
    assert topup.status == "authorised"
    return topup, list(pending)


def run(pending: list[Any], callbacks: Any) -> None:
    with callbacks(execute=True):
        for callback in pending:
            callback()


def balance(user: User) -> Money:
    wallet = Wallet.objects.get(customer=user, currency="EUR")
    return ledger_read.balance(account_id=wallet.ledger_account_id)


def test_money_arriving_before_the_capture_voids_the_authorisation(
    wire: Wire, django_capture_on_commit_callbacks: Any
) -> None:
    erin = customer(tier=1)  # holds at most 150.00 EUR
    topup, pending = authorised(erin, "100.00", django_capture_on_commit_callbacks)
    funded_wallet(erin, "60.00", now=timezone.now())  # 60.00 + 100.00 would be over
    run(pending, django_capture_on_commit_callbacks)
    topup.refresh_from_db()
    assert topup.status == "cancelled"
    assert topup.decline_reason.startswith("wallet limit")
    assert store.read(str(topup.intent_id))["status"] == "cancelled"  # the card is never charged
    assert Hold.objects.get(pk=topup.hold_id).status == "released"
    assert balance(erin) == eur("60.00")
    assert Notification.objects.filter(customer=erin, title="A card top-up was not added").exists()


def test_money_arriving_between_capture_and_its_webhook_is_refunded_to_the_card(
    wire: Wire, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    erin = customer(tier=1)
    topup, pending = authorised(erin, "100.00", django_capture_on_commit_callbacks)
    held_back: list[tuple[str, bytes, dict[str, str]]] = []

    def deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
        if json.loads(body)["type"] == "payment_intent.captured" and not held_back:
            held_back.append((url, body, headers))  # the network is slow for this one
            return 200
        return wire.acquirer_to_bank(url, body, headers)

    monkeypatch.setattr(webhooks, "DELIVER", deliver)
    run(pending, django_capture_on_commit_callbacks)  # the bank asks; the acquirer captures
    assert store.read(str(topup.intent_id))["status"] == "captured"
    funded_wallet(erin, "60.00", now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert wire.acquirer_to_bank(*held_back[0]) == 200
    topup.refresh_from_db()
    assert topup.status == "returned"
    assert topup.entry_id is None
    assert balance(erin) == eur("60.00")  # never over 150.00
    assert Hold.objects.get(pk=topup.hold_id).status == "released"
    assert store.read(str(topup.intent_id))["status"] == "refunded"
    assert [json.loads(d[0])["type"] for d in wire.deliveries][-1] == "payment_intent.refunded"


def test_a_wallet_frozen_before_the_capture_takes_nothing(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    erin = customer()
    topup, pending = authorised(erin, "40.00", django_capture_on_commit_callbacks)
    wallets.wallet_status_set(wallet_id=topup.wallet_id, status="frozen", reason="investigation", now=timezone.now())
    run(pending, django_capture_on_commit_callbacks)
    topup.refresh_from_db()
    assert (topup.status, topup.decline_reason) == ("cancelled", "wallet frozen")
    assert balance(erin) == eur("0.00")


def test_within_the_limit_the_capture_still_credits(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    erin = customer(tier=1)
    topup, pending = authorised(erin, "100.00", django_capture_on_commit_callbacks)
    funded_wallet(erin, "50.00", now=timezone.now())  # exactly 150.00: to the cent, allowed
    run(pending, django_capture_on_commit_callbacks)
    topup.refresh_from_db()
    assert topup.status == "captured"
    assert balance(erin) == eur("150.00")


def test_a_capture_after_the_bank_voided_goes_back_to_the_card(
    wire: Wire, django_capture_on_commit_callbacks: Any
) -> None:
    """An acquirer that captures what the bank cancelled: nothing is credited, the card is refunded."""
    erin = customer(tier=1)
    topup, _ = authorised(erin, "100.00", django_capture_on_commit_callbacks)
    funded_wallet(erin, "60.00", now=timezone.now())
    TopUp.objects.filter(pk=topup.pk).update(status="cancelled")  # the bank's void, not yet sent
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            f"/sim/acquirer/api/intents/{topup.intent_id}/capture/", data="{}", content_type="application/json",
            headers={"Authorization": "Bearer sk_test_bankcore_acquirer"},
        )  # fmt: skip
    topup.refresh_from_db()
    assert topup.status == "returned"
    assert store.read(str(topup.intent_id))["status"] == "refunded"
    assert balance(erin) == eur("60.00")
