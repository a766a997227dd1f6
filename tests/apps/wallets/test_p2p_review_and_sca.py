"""A fraud review holds the money until the case decides; low-value exemptions are counted and recorded."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.fraud.models import Alert
from apps.fraud.services import alerts
from apps.wallets.errors import WalletRefused
from apps.wallets.models import WalletTransfer
from apps.wallets.services import transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.events.models import OutboxEvent
from bankcore.events.services import outbox_relay
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.sca.models import ExemptionUse
from tests.apps.wallets.factories import approved_challenge, customer, funded_wallet, key, rule_active


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def plain_send(sender, wallet, address, amount, now):  # type: ignore[no-untyped-def]
    return transfers.p2p_send(
        customer_id=sender.pk, source_wallet_id=wallet.pk, address=address, amount=amount, note="",
        idempotency_key=key(), now=now,
    )  # fmt: skip


class TestLowValueExemption:
    def test_up_to_30_eur_goes_without_a_code_and_is_recorded(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        result = plain_send(alice, source, bob.email, eur("30.00"), now)
        assert result.sca_exemption == "low_value"
        use = ExemptionUse.objects.get(ref=f"wallet-transfer:{result.id}")
        assert use.payer_id == alice.pk
        assert use.amount_minor == 3000

    def test_30_01_needs_a_code(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        with pytest.raises(WalletRefused) as refused:
            plain_send(alice, source, bob.email, eur("30.01"), now)
        assert refused.value.code == "sca_required"

    def test_the_sixth_exempt_payment_needs_a_code_and_a_code_starts_the_count_again(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        for _ in range(5):
            plain_send(alice, source, bob.email, eur("1.00"), now)
        with pytest.raises(WalletRefused) as refused:
            plain_send(alice, source, bob.email, eur("1.00"), now)
        assert refused.value.code == "sca_required"
        challenge = approved_challenge(alice, wallet=source, address=bob.email, amount=eur("1.00"), now=now)
        transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=eur("1.00"), note="",
            idempotency_key=key(), now=now, challenge_id=challenge,
        )  # fmt: skip
        assert plain_send(alice, source, bob.email, eur("1.00"), now).sca_exemption == "low_value"

    def test_a_challenge_for_another_amount_is_refused(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        challenge = approved_challenge(alice, wallet=source, address=bob.email, amount=eur("40.00"), now=now)
        with pytest.raises(WalletRefused) as refused:
            transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=eur("41.00"), note="",
                idempotency_key=key(), now=now, challenge_id=challenge,
            )  # fmt: skip
        assert refused.value.code == "challenge_mismatch"
        assert ledger_read.balance(account_id=source.ledger_account_id) == eur("100.00")


class TestFraudReview:
    @pytest.fixture
    def held(self, now: datetime):  # type: ignore[no-untyped-def]
        rule_active("wallet-test-review", "amount_minor == 1234", 60, now=now)
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        result = plain_send(alice, source, bob.email, eur("12.34"), now)
        return source, target, WalletTransfer.objects.get(pk=result.id)

    def test_review_reserves_the_money_and_moves_nothing(self, held) -> None:  # type: ignore[no-untyped-def]
        source, target, transfer = held
        assert transfer.status == "held_for_review"
        assert transfer.entry_id is None
        assert ledger_read.balance(account_id=source.ledger_account_id) == eur("100.00")
        assert ledger_read.available_balance(account_id=source.ledger_account_id) == eur("87.66")
        assert ledger_read.balance(account_id=target.ledger_account_id) == eur("0.00")
        assert Alert.objects.get(payment_ref=f"wallet-transfer:{transfer.pk}")

    def test_the_case_releasing_it_moves_the_money(self, held, now: datetime) -> None:  # type: ignore[no-untyped-def]
        source, target, transfer = held
        alert = Alert.objects.get(payment_ref=f"wallet-transfer:{transfer.pk}")
        alerts.alert_payment_decide(alert_id=alert.pk, release=True, by_id=None, now=now)
        outbox_relay(now=now)
        transfer.refresh_from_db()
        assert transfer.status == "completed"
        assert ledger_read.balance(account_id=target.ledger_account_id) == eur("12.34")
        assert ledger_read.balance(account_id=source.ledger_account_id) == eur("87.66")
        assert OutboxEvent.objects.filter(name="wallet.transfer.received").exists()

    def test_the_case_rejecting_it_gives_the_money_back(self, held, now: datetime) -> None:  # type: ignore[no-untyped-def]
        source, target, transfer = held
        alert = Alert.objects.get(payment_ref=f"wallet-transfer:{transfer.pk}")
        alerts.alert_payment_decide(alert_id=alert.pk, release=False, by_id=None, now=now)
        outbox_relay(now=now)
        outbox_relay(now=now)  # a second relay changes nothing
        transfer.refresh_from_db()
        assert transfer.status == "rejected"
        assert ledger_read.available_balance(account_id=source.ledger_account_id) == eur("100.00")
        assert ledger_read.balance(account_id=target.ledger_account_id) == eur("0.00")

    def test_a_block_moves_nothing_and_keeps_the_decision(self, now: datetime) -> None:
        rule_active("wallet-test-block", "amount_minor == 999", 120, now=now)
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        result = plain_send(alice, source, bob.email, eur("9.99"), now)
        assert result.status == "rejected"
        assert ledger_read.available_balance(account_id=source.ledger_account_id) == eur("100.00")
