"""Refusals that must say the truth and retries that must answer the first result."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.wallets.errors import WalletRefused
from apps.wallets.models import MoneyRequest, TopUp, Wallet, WalletTransfer
from apps.wallets.services import fx, qr, requests, reviews, topups, transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from bankcore.notifications.models import Notification
from simulators.acquirer import store
from tests.apps.wallets.acquirer import Wire
from tests.apps.wallets.factories import approved_challenge, customer, funded_wallet, key, rule_active

pytestmark = pytest.mark.django_db


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def test_a_send_to_a_named_wallet_retried_with_its_key_answers_the_first(now: datetime) -> None:
    alice, bob = customer(), customer()
    source = funded_wallet(alice, now=now)
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    same = {"customer_id": alice.pk, "source_wallet_id": source.pk, "address": "", "amount": eur("5.00"), "note": "",
            "idempotency_key": key(), "now": now, "recipient_wallet_id": target.pk}  # fmt: skip
    first = transfers.p2p_send(**same)
    assert transfers.p2p_send(**same) == first
    assert WalletTransfer.objects.filter(sender=alice).count() == 1


def test_the_recipient_without_the_currency_is_really_told(now: datetime) -> None:
    alice, bob = customer(), customer()
    usd = funded_wallet(alice, "20.00", "USD", now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    with pytest.raises(WalletRefused) as refused:
        transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=usd.pk, address=bob.email, amount=Money.of("1.00", "USD"),
            note="", idempotency_key=key(), now=now, secure_corporate=True,
        )  # fmt: skip
    assert refused.value.code == "recipient_no_wallet"
    assert "we have told them" in str(refused.value)
    assert Notification.objects.filter(customer=bob, title="Someone tried to send you USD").exists()
    assert not WalletTransfer.objects.exists()


def test_repeated_tries_tell_the_recipient_once_a_day(now: datetime) -> None:
    alice, bob = customer(), customer()
    usd = funded_wallet(alice, "20.00", "USD", now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    for moment in (now, now + timedelta(hours=1), now + timedelta(hours=23), now + timedelta(hours=25)):
        with pytest.raises(WalletRefused):
            transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=usd.pk, address=bob.email, amount=Money.of("1.00", "USD"),
                note="", idempotency_key=key(), now=moment, secure_corporate=True,
            )  # fmt: skip
    assert Notification.objects.filter(customer=bob, title="Someone tried to send you USD").count() == 2


def test_converting_at_the_tier_limit_counts_what_is_sold_as_gone(now: datetime, rates: None) -> None:
    alice = customer(tier=1)  # holds at most 150.00 EUR
    wallet = funded_wallet(alice, "150.00", now=now)
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=wallet.pk, target_currency="GBP", sell=eur("100.00"), now=now
    )
    fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now)
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == eur("50.00")


def test_a_qr_code_in_a_currency_the_payer_has_no_wallet_in_is_a_clear_refusal(now: datetime) -> None:
    alice, bob = customer(), customer()
    text = qr.qr_make(customer_id=alice.pk, currency="GBP", amount=None, now=now)
    with pytest.raises(WalletRefused) as refused:
        qr.qr_pay(customer_id=bob.pk, text=text, amount=Money.of("1.00", "GBP"), idempotency_key=key(), now=now)
    assert refused.value.code == "no_wallet"
    assert "GBP" in str(refused.value)


def test_a_request_whose_payment_the_fraud_case_refused_waits_again(now: datetime) -> None:
    alice, bob = customer(), customer()
    rule_active("wallet-test-review", "amount_minor == 1234", 60, now=now)
    wallet_open(customer_id=alice.pk, currency="EUR", now=now)
    source = funded_wallet(bob, now=now)
    request_id = requests.request_create(customer_id=alice.pk, address=bob.email, amount=eur("12.34"), note="", now=now)
    challenge = approved_challenge(bob, wallet=source, address=alice.email, amount=eur("12.34"), now=now)
    paid = requests.request_pay(
        customer_id=bob.pk, request_id=request_id, idempotency_key=key(), now=now, challenge_id=challenge
    )
    assert paid.status == "held_for_review"
    assert MoneyRequest.objects.get(pk=request_id).status == "paid"  # cannot be paid twice meanwhile
    reviews.transfer_reject(reference=f"wallet-transfer:{paid.id}", now=now)
    request = MoneyRequest.objects.get(pk=request_id)
    assert (request.status, request.transfer_id) == ("pending", None)


def test_a_refund_the_back_office_approved_reaches_the_card(
    wire: Wire, django_capture_on_commit_callbacks: Any
) -> None:
    alice = customer()
    topup_id, _ = topups.topup_start(
        customer_id=alice.pk, currency="EUR", amount=eur("40.00"), idempotency_key=key(), now=timezone.now()
    )
    topup = TopUp.objects.get(pk=topup_id)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/sim/acquirer/pay/{topup.intent_id}/", {"number": "4242424242424242", "expiry": "12/30",
                                                               "cvc": "123"})  # fmt: skip
    topup.refresh_from_db()
    assert topup.status == "captured"
    with django_capture_on_commit_callbacks(execute=True):
        topups.topup_refund(topup_id=topup.pk, now=timezone.now())
    assert TopUp.objects.get(pk=topup.pk).status == "refunded"
    assert Entry.objects.filter(reverses_id=topup.entry_id).exists()
    intent = store.read(topup.intent_id or "")
    assert intent is not None
    assert intent["status"] == "refunded"
    wallet = Wallet.objects.get(customer=alice, currency="EUR")
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == eur("0.00")


def test_a_currency_the_wallet_does_not_hold_is_refused_before_the_recipient_is_looked_at(now: datetime) -> None:
    alice, bob = customer(), customer()
    source = funded_wallet(alice, now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    with pytest.raises(WalletRefused) as refused:
        transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=Money.of("1", "JPY"),
            note="", idempotency_key=key(), now=now, secure_corporate=True,
        )  # fmt: skip
    assert refused.value.code == "currency_mismatch"
    assert not Notification.objects.filter(customer=bob).exists()
