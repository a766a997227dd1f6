"""Wallets' webhook events: to the partner acting for the wallet's holder only, each side its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.fraud.models import Alert
from apps.fraud.services import alerts
from apps.wallets.models import TopUp, Wallet
from apps.wallets.services import topups, transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.money import Money
from tests.apps.wallets.acquirer import Wire
from tests.apps.wallets.factories import approved_challenge, customer, funded_wallet, key, rule_active
from tests.bankcore.api.factories import (
    AccountConsentFactory,
    PartnerGrantFactory,
    deliveries_after_relay,
    webhook_endpoint,
)

EVENTS = ["wallet.topped_up", "wallet.transfer.sent", "wallet.transfer.received"]


def endpoint(application_id: int, name: str) -> int:
    return webhook_endpoint(application_id, name, EVENTS)


def test_a_send_tells_the_senders_partner_and_the_recipients_each_their_side(now: datetime) -> None:
    alice, bob = customer(), customer()
    source = funded_wallet(alice, "100.00", now=now)
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    deliveries_after_relay()  # the funding's own events, before any endpoint exists
    alices = endpoint(PartnerGrantFactory(acting_for=alice).application_id, "alices")
    bobs = endpoint(PartnerGrantFactory(acting_for=bob).application_id, "bobs")
    # A provider holding alice's account consent: a consent never opens wallets.
    tpp = PartnerGrantFactory(acting_for=None).application
    AccountConsentFactory(application=tpp, customer=alice, valid_until=timezone.now().date() + timedelta(days=90))
    endpoint(tpp.pk, "tpp")
    amount = Money.of("12.34", "EUR")
    challenge = approved_challenge(alice, wallet=source, address=bob.email, amount=amount, now=now)
    sent = transfers.p2p_send(
        customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=amount, note="lunch",
        idempotency_key=key(), now=now, challenge_id=challenge,
    )  # fmt: skip
    money = {"amount": "12.34", "currency": "EUR"}
    assert deliveries_after_relay() == {
        alices: [
            (
                "wallet.transfer.sent",
                {"wallet_id": str(source.pk), "transfer_id": str(sent.id), "status": "completed", **money},
            )
        ],
        # The sender's transfer is not the recipient's partner's to read: its wallet and the money only.
        bobs: [("wallet.transfer.received", {"wallet_id": str(target.pk), **money})],
    }


@pytest.mark.parametrize(("release", "final"), [(True, "completed"), (False, "rejected")])
def test_a_held_transfer_tells_the_senders_partner_how_its_review_ended(
    now: datetime, release: bool, final: str
) -> None:
    rule_active("wallet-test-review", "amount_minor == 1234", 60, now=now)
    alice, bob = customer(), customer()
    source = funded_wallet(alice, now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    deliveries_after_relay()
    alices = endpoint(PartnerGrantFactory(acting_for=alice).application_id, "alices")
    sent = transfers.p2p_send(
        customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=Money.of("12.34", "EUR"),
        note="", idempotency_key=key(), now=now,
    )  # fmt: skip
    assert sent.status == "held_for_review"
    alert = Alert.objects.get(payment_ref=f"wallet-transfer:{sent.id}")
    alerts.alert_payment_decide(alert_id=alert.pk, release=release, by_id=None, now=now)
    statuses = [data["status"] for kind, data in deliveries_after_relay()[alices] if kind == "wallet.transfer.sent"]
    assert statuses == ["held_for_review", final]


def test_a_captured_top_up_tells_the_holders_partner(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    alice = customer()
    alices = endpoint(PartnerGrantFactory(acting_for=alice).application_id, "alices")
    endpoint(PartnerGrantFactory(acting_for=customer()).application_id, "someone-elses")
    topup_id, _ = topups.topup_start(
        customer_id=alice.pk, currency="EUR", amount=Money.of("40.00", "EUR"), idempotency_key=key(),
        now=timezone.now(),
    )  # fmt: skip
    intent = TopUp.objects.get(pk=topup_id).intent_id
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            f"/sim/acquirer/pay/{intent}/", {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
        )
    wallet = Wallet.objects.get(customer=alice, currency="EUR")
    assert deliveries_after_relay() == {
        alices: [("wallet.topped_up", {"wallet_id": str(wallet.pk), "amount": "40.00", "currency": "EUR"})]
    }
