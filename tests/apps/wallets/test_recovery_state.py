"""The recovery state after a chargeback: entered only below zero, left only by repaying or a write-off,
and never a way round a freeze or round the balance a held transfer still needs."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction

from apps.wallets.models import Recovery, TopUp, Wallet, WalletTransfer
from apps.wallets.services import fx, recovery, reviews, topups, transfers
from apps.wallets.services.wallets import wallet_open, wallet_status_set
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from bankcore.users.models import User
from tests.apps.wallets.factories import customer, funded_wallet, key, rule_active

pytestmark = pytest.mark.django_db


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def balance(wallet: Wallet) -> Money:
    return ledger_read.balance(account_id=wallet.ledger_account_id)


def charged_back(user: User, wallet: Wallet, amount: str, *, now: datetime) -> TopUp:
    """A captured card top-up of ``amount`` the issuer took back (its webhook applied, as the bank does)."""
    topup = TopUp.objects.create(
        customer=user, wallet=wallet, amount_minor=eur(amount).minor, currency="EUR", status=TopUp.Status.CAPTURED,
        idempotency_key=key(), intent_id=f"pi_{key()}", created_at=now, updated_at=now,
    )  # fmt: skip
    with transaction.atomic():
        locked = TopUp.objects.select_for_update().get(pk=topup.pk)
        assert topups._chargeback(locked, {"reason": "fraudulent"}, now) == "charged_back"
    topup.refresh_from_db()
    return topup


def send(sender: User, wallet: Wallet, recipient: User, amount: str, *, now: datetime) -> transfers.TransferResult:
    return transfers.p2p_send(
        customer_id=sender.pk, source_wallet_id=wallet.pk, address=recipient.email, amount=eur(amount), note="",
        idempotency_key=key(), now=now, secure_corporate=True,
    )  # fmt: skip


class TestHeldTransferAfterTheFact:
    def test_a_chargeback_while_held_makes_the_release_give_it_back_not_go_below_zero(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        rule_active("wallet-test-review", "amount_minor == 10000", 60, now=now)
        source = funded_wallet(alice, "100.00", now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        held = send(alice, source, bob, "100.00", now=now)
        assert held.status == "held_for_review"
        charged_back(alice, source, "100.00", now=now)  # the balance is 0.00, the 100.00 still on hold
        assert reviews.transfer_release(reference=f"wallet-transfer:{held.id}", now=now)
        assert WalletTransfer.objects.get(pk=held.id).status == "rejected"
        assert balance(source) == eur("0.00")
        assert balance(target) == eur("0.00")
        assert ledger_read.available_balance(account_id=source.ledger_account_id) == eur("0.00")

    def test_a_wallet_frozen_while_held_sends_nothing_when_the_case_clears_it(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        rule_active("wallet-test-review", "amount_minor == 1234", 60, now=now)
        source = funded_wallet(alice, "100.00", now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        held = send(alice, source, bob, "12.34", now=now)
        wallet_status_set(wallet_id=source.pk, status="frozen", reason="investigation", now=now)
        assert reviews.transfer_release(reference=f"wallet-transfer:{held.id}", now=now)
        assert WalletTransfer.objects.get(pk=held.id).status == "rejected"
        assert balance(source) == eur("100.00")
        assert balance(target) == eur("0.00")


class TestRepaying:
    def test_money_received_from_another_customer_ends_recovery(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        wallet = funded_wallet(alice, "10.00", now=now)
        bobs = funded_wallet(bob, "100.00", now=now)
        charged_back(alice, wallet, "30.00", now=now)
        wallet.refresh_from_db()
        assert (wallet.status, balance(wallet)) == ("recovery", eur("-20.00"))
        send(bob, bobs, alice, "19.99", now=now)  # the wallet still below zero: it holds nothing, no limit refuses
        wallet.refresh_from_db()
        assert wallet.status == "recovery"  # a cent still owed
        send(bob, bobs, alice, "0.01", now=now)
        wallet.refresh_from_db()
        assert wallet.status == "active"
        assert Recovery.objects.get(wallet=wallet).status == "repaid"

    def test_converting_into_it_ends_recovery(self, now: datetime, rates: None) -> None:
        alice = customer()
        wallet = funded_wallet(alice, "10.00", now=now)
        usd = funded_wallet(alice, "50.00", "USD", now=now)
        charged_back(alice, wallet, "30.00", now=now)
        quote_id = fx.quote_create(
            customer_id=alice.pk, source_wallet_id=usd.pk, target_currency="EUR", sell=Money.of("30.00", "USD"), now=now
        )
        fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now)
        wallet.refresh_from_db()
        assert balance(wallet).minor >= 0
        assert wallet.status == "active"


class TestFreezeOutranksRecovery:
    def test_a_chargeback_on_a_frozen_wallet_leaves_it_frozen_and_unfreezing_puts_it_in_recovery(
        self, now: datetime
    ) -> None:
        alice = customer()
        wallet = funded_wallet(alice, "10.00", now=now)
        wallet_status_set(wallet_id=wallet.pk, status="frozen", reason="investigation", now=now)
        charged_back(alice, wallet, "30.00", now=now)
        wallet.refresh_from_db()
        assert wallet.status == "frozen"
        assert Recovery.objects.get(wallet=wallet).status == "open"
        wallet_status_set(wallet_id=wallet.pk, status="active", reason="cleared", now=now)
        wallet.refresh_from_db()
        assert wallet.status == "recovery"

    def test_writing_off_a_frozen_wallets_debt_does_not_unfreeze_it(self, now: datetime) -> None:
        alice = customer()
        wallet = funded_wallet(alice, "10.00", now=now)
        charged_back(alice, wallet, "30.00", now=now)
        wallet_status_set(wallet_id=wallet.pk, status="frozen", reason="investigation", now=now)
        recovery.recovery_write_off(recovery_id=Recovery.objects.get(wallet=wallet).pk, now=now)
        wallet.refresh_from_db()
        assert (wallet.status, balance(wallet)) == ("frozen", eur("0.00"))


def test_two_chargebacks_are_written_off_by_one_entry_and_both_close(now: datetime) -> None:
    alice = customer()
    wallet = funded_wallet(alice, "10.00", now=now)
    charged_back(alice, wallet, "30.00", now=now)
    charged_back(alice, wallet, "5.00", now=now)
    first, second = Recovery.objects.filter(wallet=wallet).order_by("pk")
    assert (first.owed_minor, second.owed_minor) == (2000, 500)  # each its own part of the -25.00
    recovery.recovery_write_off(recovery_id=first.pk, now=now)
    assert set(Recovery.objects.filter(wallet=wallet).values_list("status", flat=True)) == {"written_off"}
    wallet.refresh_from_db()
    assert (wallet.status, balance(wallet)) == ("active", eur("0.00"))
    # The second recovery's own approval, decided later, books nothing more.
    entries = Entry.objects.count()
    assert recovery.recovery_write_off(recovery_id=second.pk, now=now) is None
    assert Entry.objects.count() == entries
