"""A transfer held for fraud review keeps its money reserved for as long as its case is open."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.fraud.models import Alert
from apps.fraud.services import alerts
from apps.wallets import selectors
from apps.wallets.errors import WalletNotFound
from apps.wallets.models import WalletTransfer
from apps.wallets.services import reviews, transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.events.services import outbox_relay
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.errors import HoldNotActive
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from tests.apps.wallets.factories import customer, funded_wallet, key, rule_active

pytestmark = pytest.mark.django_db


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def held_send(sender: User, recipient: User, *, now: datetime) -> WalletTransfer:
    rule_active("wallet-test-review", "amount_minor == 1234", 60, now=now)
    source = funded_wallet(sender, now=now)
    result = transfers.p2p_send(
        customer_id=sender.pk, source_wallet_id=source.pk, address=recipient.email, amount=eur("12.34"), note="",
        idempotency_key=key(), now=now,
    )  # fmt: skip
    transfer = WalletTransfer.objects.get(pk=result.id)
    assert transfer.status == "held_for_review"
    return transfer


def available(transfer_id: int) -> Money:
    """What the sender of the transfer may spend."""
    source = WalletTransfer.objects.select_related("source_wallet").get(pk=transfer_id).source_wallet
    return ledger_read.available_balance(account_id=source.ledger_account_id)


def test_an_open_case_keeps_the_hold_past_its_first_term(now: datetime) -> None:
    alice, bob = customer(), customer()
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    transfer = held_send(alice, bob, now=now)
    assert transfer.hold_id is not None
    first_term = ledger_read.hold_get(hold_id=transfer.hold_id).expires_at
    assert reviews.review_holds_extend(now=now) == 0  # far from its end: left alone

    for day in range(1, 100):  # the daily beat, while the analysts take their time
        at = now + timedelta(days=day)
        reviews.review_holds_extend(now=at)
        ledger.holds_expire(now=at)
    hold = ledger_read.hold_get(hold_id=transfer.hold_id)
    assert hold.status == "active"
    assert hold.expires_at > now + timedelta(days=99) > first_term
    assert available(transfer.pk) == eur("87.66")

    assert reviews.transfer_release(reference=f"wallet-transfer:{transfer.pk}", now=now + timedelta(days=100))
    transfer.refresh_from_db()
    assert transfer.status == "completed"
    assert ledger_read.balance(account_id=target.ledger_account_id) == eur("12.34")


def test_a_decided_transfer_is_not_extended(now: datetime) -> None:
    alice, bob = customer(), customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    transfer = held_send(alice, bob, now=now)
    alert = Alert.objects.get(payment_ref=f"wallet-transfer:{transfer.pk}")
    alerts.alert_payment_decide(alert_id=alert.pk, release=False, by_id=None, now=now)
    outbox_relay(now=now)
    assert reviews.review_holds_extend(now=now + timedelta(days=29)) == 0
    assert available(transfer.pk) == eur("100.00")


def test_release_when_the_recipient_may_no_longer_hold_it_gives_it_back(now: datetime) -> None:
    alice, bob = customer(), customer(tier=1)
    target = funded_wallet(bob, "130.00", now=now)  # tier 1 holds at most 150.00 EUR
    transfer = held_send(alice, bob, now=now)
    funded_wallet(bob, "10.00", now=now)  # more arrived while the case was open: 140.00 + 12.34 > 150.00
    assert reviews.transfer_release(reference=f"wallet-transfer:{transfer.pk}", now=now + timedelta(hours=1))
    transfer.refresh_from_db()
    assert transfer.status == "rejected"
    assert ledger_read.balance(account_id=target.ledger_account_id) == eur("140.00")
    assert available(transfer.pk) == eur("100.00")
    assert Notification.objects.filter(customer=alice, title="A transfer was not made").exists()
    assert not reviews.transfer_release(reference=f"wallet-transfer:{transfer.pk}", now=now)  # once


def test_a_hold_that_lapsed_moves_only_money_still_there(now: datetime) -> None:
    alice, bob, carol = customer(), customer(), customer()
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    wallet_open(customer_id=carol.pk, currency="EUR", now=now)
    transfer = held_send(alice, bob, now=now)
    later = now + timedelta(days=31)
    ledger.holds_expire(now=later)  # no beat ran for a month
    transfers.p2p_send(
        customer_id=alice.pk, source_wallet_id=transfer.source_wallet_id, address=carol.email, amount=eur("95.00"),
        note="", idempotency_key=key(), now=later, challenge_id=None, secure_corporate=True,
    )  # fmt: skip
    assert reviews.transfer_release(reference=f"wallet-transfer:{transfer.pk}", now=later)
    transfer.refresh_from_db()
    assert transfer.status == "rejected"  # 5.00 left: the 12.34 cannot move
    assert ledger_read.balance(account_id=target.ledger_account_id) == eur("0.00")


def test_the_ledger_never_shortens_a_hold_and_refuses_an_ended_one(now: datetime) -> None:
    alice, bob = customer(), customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    transfer = held_send(alice, bob, now=now)
    assert transfer.hold_id is not None
    term = ledger_read.hold_get(hold_id=transfer.hold_id).expires_at
    ledger.hold_extend(hold_id=transfer.hold_id, expires_at=now + timedelta(days=1), now=now)
    assert ledger_read.hold_get(hold_id=transfer.hold_id).expires_at == term
    ledger.hold_release(hold_id=transfer.hold_id, now=now)
    with pytest.raises(HoldNotActive):
        ledger.hold_extend(hold_id=transfer.hold_id, expires_at=now + timedelta(days=60), now=now)


def test_the_recipient_sees_a_held_transfer_only_once_its_money_arrives(now: datetime) -> None:
    alice, bob = customer(), customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    transfer = held_send(alice, bob, now=now)
    assert selectors.transfer_get(customer_id=alice.pk, transfer_id=transfer.pk) == transfer
    with pytest.raises(WalletNotFound):
        selectors.transfer_get(customer_id=bob.pk, transfer_id=transfer.pk)
    assert [line.kind for line in selectors.activity(customer_id=bob.pk)] == []
    assert reviews.transfer_release(reference=f"wallet-transfer:{transfer.pk}", now=now)
    assert selectors.transfer_get(customer_id=bob.pk, transfer_id=transfer.pk) == transfer
    assert [line.kind for line in selectors.activity(customer_id=bob.pk)] == ["received"]
