"""P2P sends: the spine (SCA, limits, fraud, ledger) and every refusal leaving nothing moved."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.kyc.models import UsageRecord
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import Wallet, WalletTransfer
from apps.wallets.services import transfers
from apps.wallets.services.wallets import wallet_open, wallet_status_set
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from tests.apps.wallets.factories import approved_challenge, customer, funded_wallet, key, verified_phone


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def balance(wallet: Wallet) -> Money:
    return ledger_read.balance(account_id=wallet.ledger_account_id)


def send(sender, wallet, address, amount, now, **kwargs):  # type: ignore[no-untyped-def]
    challenge = approved_challenge(sender, wallet=wallet, address=address, amount=amount, now=now)
    return transfers.p2p_send(
        customer_id=sender.pk, source_wallet_id=wallet.pk, address=address, amount=amount, note=kwargs.pop("note", ""),
        idempotency_key=kwargs.pop("idempotency_key", key()), now=now, challenge_id=challenge, **kwargs,
    )  # fmt: skip


class TestSend:
    def test_money_moves_at_once_and_both_sides_hear_of_it(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, "100.00", now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        result = send(alice, source, bob.email.upper(), eur("12.34"), now, note="lunch")
        assert result.status == "completed"
        assert balance(source) == eur("87.66")
        assert balance(target) == eur("12.34")
        transfer = WalletTransfer.objects.get(pk=result.id)
        assert transfer.sca_challenge_id is not None
        assert transfer.fraud_outcome == "allow"
        assert UsageRecord.objects.filter(
            customer_id=alice.pk, kind="wallet_out", ref=f"wallet-transfer:{result.id}"
        ).exists()
        names = set(OutboxEvent.objects.values_list("name", flat=True))
        assert {"wallet.transfer.sent", "wallet.transfer.received"} <= names

    def test_by_phone(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        verified_phone(bob, "+49 151 1234 5678", now=now)
        send(alice, source, "+4915112345678", eur("5.00"), now)
        assert balance(target) == eur("5.00")

    def test_same_key_twice_sends_once(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        first = send(alice, source, bob.email, eur("10.00"), now, idempotency_key="same")
        again = transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=eur("10.00"), note="",
            idempotency_key="same", now=now,
        )  # fmt: skip
        assert again.id == first.id
        assert balance(source) == eur("90.00")
        with pytest.raises(WalletRefused) as refused:
            transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=eur("11.00"), note="",
                idempotency_key="same", now=now,
            )  # fmt: skip
        assert refused.value.code == "idempotency_key_reused"

    def test_without_code_or_exemption_sca_is_required(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        source = funded_wallet(alice, now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        with pytest.raises(WalletRefused) as refused:
            transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=eur("80.00"), note="",
                idempotency_key=key(), now=now,
            )  # fmt: skip
        assert refused.value.code == "sca_required"
        assert balance(source) == eur("100.00")
        assert not WalletTransfer.objects.exists()


class TestRefusals:
    """Each refusal: a clear code, and no entry, transfer or usage written."""

    @pytest.fixture
    def world(self, now: datetime):  # type: ignore[no-untyped-def]
        alice, bob = customer(), customer()
        source = funded_wallet(alice, "50.00", now=now)
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        return alice, bob, source, target

    def _refused(self, call, code: str) -> None:  # type: ignore[no-untyped-def]
        entries, transfers_before = Entry.objects.count(), WalletTransfer.objects.count()
        with pytest.raises(WalletRefused) as refused:
            call()
        assert refused.value.code == code, str(refused.value)
        assert str(refused.value)
        assert Entry.objects.count() == entries
        assert WalletTransfer.objects.count() == transfers_before
        assert not UsageRecord.objects.exists()

    def test_more_than_available(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, bob, source, _ = world
        self._refused(lambda: send(alice, source, bob.email, eur("50.01"), now), "insufficient_funds")

    def test_to_oneself(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, _, source, _ = world
        self._refused(lambda: send(alice, source, alice.email, eur("1.00"), now), "to_self")

    def test_unknown_recipient(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, _, source, _ = world
        self._refused(lambda: send(alice, source, "nobody@example.test", eur("1.00"), now), "unknown_recipient")

    def test_frozen_recipient(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, bob, source, target = world
        wallet_status_set(wallet_id=target.pk, status="frozen", reason="investigation", now=now)
        self._refused(lambda: send(alice, source, bob.email, eur("1.00"), now), "recipient_frozen")

    def test_frozen_sender(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, bob, source, _ = world
        wallet_status_set(wallet_id=source.pk, status="frozen", reason="investigation", now=now)
        self._refused(lambda: send(alice, source, bob.email, eur("1.00"), now), "wallet_frozen")

    def test_recipient_lacks_the_currency(self, world, now: datetime, rates: None) -> None:  # type: ignore[no-untyped-def]
        alice, bob, _, _ = world
        usd = funded_wallet(alice, "20.00", "USD", now=now)
        self._refused(lambda: send(alice, usd, bob.email, Money.of("1.00", "USD"), now), "recipient_no_wallet")

    def test_beyond_the_senders_tier(self, now: datetime) -> None:
        alice, bob = customer(tier=1), customer()
        source = funded_wallet(alice, "100.00", now=now)
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        self._refused(lambda: send(alice, source, bob.email, eur("50.01"), now), "limit_per_transaction")

    def test_recipient_at_tier_one_holds_at_most_150_to_the_cent(self, now: datetime) -> None:
        alice, bob = customer(), customer(tier=1)
        source = funded_wallet(alice, "500.00", now=now)
        target = funded_wallet(bob, "100.00", now=now)
        send(alice, source, bob.email, eur("50.00"), now)
        assert balance(target) == eur("150.00")
        self._refused_after_usage = True
        entries = Entry.objects.count()
        with pytest.raises(WalletRefused) as refused:
            send(alice, source, bob.email, eur("0.01"), now)
        assert refused.value.code == "recipient_limit"
        assert Entry.objects.count() == entries

    def test_another_customers_wallet_is_not_found(self, world, now: datetime) -> None:  # type: ignore[no-untyped-def]
        alice, bob, _, target = world
        with pytest.raises(WalletNotFound):
            transfers.p2p_send(
                customer_id=alice.pk, source_wallet_id=target.pk, address=bob.email, amount=eur("1.00"), note="",
                idempotency_key=key(), now=now,
            )  # fmt: skip
