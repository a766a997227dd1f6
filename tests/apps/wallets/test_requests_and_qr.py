"""Requests (ask, pay or decline in one step, expiry) and receiving by a signed QR payload."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.wallets.errors import WalletRefused
from apps.wallets.models import MoneyRequest
from apps.wallets.services import qr, requests
from apps.wallets.services.wallets import wallet_open
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet, key


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


class TestRequests:
    def test_pay_in_one_step(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        funded_wallet(bob, "50.00", now=now)
        request_id = requests.request_create(
            customer_id=alice.pk, address=bob.email, amount=eur("20.00"), note="tickets", now=now
        )
        result = requests.request_pay(customer_id=bob.pk, request_id=request_id, idempotency_key=key(), now=now)
        request = MoneyRequest.objects.get(pk=request_id)
        assert request.status == "paid"
        assert request.transfer_id == result.id
        alice_wallet = wallet_open(customer_id=alice.pk, currency="EUR", now=now)
        assert ledger_read.balance(account_id=alice_wallet.ledger_account_id) == eur("20.00")
        with pytest.raises(WalletRefused) as refused:
            requests.request_pay(customer_id=bob.pk, request_id=request_id, idempotency_key=key(), now=now)
        assert refused.value.code == "request_not_pending"

    def test_decline(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        request_id = requests.request_create(
            customer_id=alice.pk, address=bob.email, amount=eur("5.00"), note="", now=now
        )
        requests.request_decline(customer_id=bob.pk, request_id=request_id, now=now)
        assert MoneyRequest.objects.get(pk=request_id).status == "declined"

    def test_an_expired_request_cannot_be_paid(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        funded_wallet(bob, "50.00", now=now)
        request_id = requests.request_create(
            customer_id=alice.pk, address=bob.email, amount=eur("5.00"), note="", now=now, expires_in=timedelta(hours=1)
        )
        entries = Entry.objects.count()
        with pytest.raises(WalletRefused) as refused:
            requests.request_pay(
                customer_id=bob.pk, request_id=request_id, idempotency_key=key(), now=now + timedelta(hours=1)
            )
        assert refused.value.code == "request_expired"
        assert Entry.objects.count() == entries
        assert requests.requests_expire(now=now + timedelta(hours=1)) == 1

    def test_asking_an_unknown_address_looks_the_same_to_the_requester(self, now: datetime) -> None:
        alice = customer()
        request_id = requests.request_create(
            customer_id=alice.pk, address="nobody@example.test", amount=eur("5.00"), note="", now=now
        )
        assert MoneyRequest.objects.get(pk=request_id).status == "pending"


class TestQr:
    def test_pay_a_signed_code(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        funded_wallet(bob, "50.00", now=now)
        text = qr.qr_make(customer_id=alice.pk, currency="EUR", amount=eur("7.50"), now=now)
        assert qr.qr_svg_data_uri(text=text).startswith("data:image/svg+xml")
        payload = qr.qr_read(text=text, now=now)
        assert payload.amount == eur("7.50")
        assert payload.payee_name == alice.get_full_name()
        qr.qr_pay(customer_id=bob.pk, text=text, amount=None, idempotency_key=key(), now=now)
        alice_wallet = wallet_open(customer_id=alice.pk, currency="EUR", now=now)
        assert ledger_read.balance(account_id=alice_wallet.ledger_account_id) == eur("7.50")

    def test_a_code_without_amount_takes_the_payers(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        funded_wallet(bob, "50.00", now=now)
        text = qr.qr_make(customer_id=alice.pk, currency="EUR", amount=None, now=now)
        result = qr.qr_pay(customer_id=bob.pk, text=text, amount=eur("3.00"), idempotency_key=key(), now=now)
        assert result.amount == eur("3.00")

    @pytest.mark.parametrize("change", ["amount", "signature", "garbage"])
    def test_a_tampered_code_is_refused(self, now: datetime, change: str) -> None:
        import base64
        import json

        alice = customer()
        text = qr.qr_make(customer_id=alice.pk, currency="EUR", amount=eur("7.50"), now=now)
        body, signature = text[len(qr.PREFIX) :].split(".")
        if change == "amount":
            fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            fields["a"] = 1
            forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
            text = f"{qr.PREFIX}{forged}.{signature}"
        elif change == "signature":
            text = f"{qr.PREFIX}{body}.{signature[:-2]}AA"
        else:
            text = "hello"
        with pytest.raises(WalletRefused) as refused:
            qr.qr_read(text=text, now=now)
        assert refused.value.code == "qr_invalid"

    def test_an_expired_code_is_refused(self, now: datetime) -> None:
        alice = customer()
        text = qr.qr_make(customer_id=alice.pk, currency="EUR", amount=None, now=now, expires_in=timedelta(minutes=1))
        with pytest.raises(WalletRefused) as refused:
            qr.qr_read(text=text, now=now + timedelta(minutes=1))
        assert refused.value.code == "qr_expired"
        assert "expired" in str(refused.value)
