"""Card top-ups through the acquirer simulator: every test card's outcome, and the webhook's guards."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.wallets.models import BankAccount, Recovery, TopUp, Wallet
from apps.wallets.services import recovery, topups, transfers
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore.approvals import services as approvals
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Hold
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from simulators.acquirer import engine, webhooks
from tests.apps.wallets.acquirer import Wire
from tests.apps.wallets.factories import customer, key

pytestmark = pytest.mark.django_db


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def start(user: User, amount: str = "40.00") -> TopUp:
    topup_id, redirect = topups.topup_start(
        customer_id=user.pk, currency="EUR", amount=eur(amount), idempotency_key=key(), now=timezone.now()
    )
    assert redirect.startswith("http://testserver/sim/acquirer/pay/")
    return TopUp.objects.get(pk=topup_id)


def pay(topup: TopUp, number: str, django_capture_on_commit_callbacks: Any) -> Any:
    """The customer on the acquirer's own page; the capture the bank asks for after commit runs too."""
    with django_capture_on_commit_callbacks(execute=True):
        return Client().post(
            f"/sim/acquirer/pay/{topup.intent_id}/", {"number": number, "expiry": "12/30", "cvc": "123"}
        )


def wallet_balance(user: User) -> Money:
    wallet = Wallet.objects.get(customer=user, currency="EUR")
    return ledger_read.balance(account_id=wallet.ledger_account_id)


def test_approved_card_authorises_on_clearing_then_captures_into_the_wallet(
    wire: Wire, django_capture_on_commit_callbacks: Any
) -> None:
    alice = customer()
    topup = start(alice)
    response = pay(topup, "4242 4242 4242 4242", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"].startswith(f"http://testserver/app/wallets/topups/{topup.pk}/")
    topup.refresh_from_db()
    assert topup.status == "captured"
    assert (topup.card_brand, topup.card_last4) == ("visa", "4242")
    assert topup.card_token.startswith("tok_")
    assert "4242424242424242" not in json.dumps(list(TopUp.objects.values()), default=str)
    hold = Hold.objects.get(pk=topup.hold_id)
    clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency="EUR")
    assert hold.account_id == clearing
    assert hold.status == "captured"
    assert wallet_balance(alice) == eur("40.00")
    assert [d[2] for d in wire.deliveries] == [200, 200]


def test_declined_card_holds_nothing(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    alice = customer()
    topup = start(alice)
    pay(topup, "4000000000000002", django_capture_on_commit_callbacks)
    topup.refresh_from_db()
    assert topup.status == "declined"
    assert topup.hold_id is None
    assert wallet_balance(alice) == eur("0.00")


def test_three_d_secure_challenge_then_approved(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    alice = customer()
    topup = start(alice)
    response = pay(topup, "4000000000003220", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == f"/sim/acquirer/3ds/{topup.intent_id}/"
    page = Client().get(response["Location"])
    assert b"Confirm it is you" in page.content
    topup.refresh_from_db()
    assert topup.status == "created"
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/sim/acquirer/3ds/{topup.intent_id}/", {"code": "123456"})
    topup.refresh_from_db()
    assert topup.status == "captured"
    assert wallet_balance(alice) == eur("40.00")


def test_three_d_secure_wrong_code_declines(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    alice = customer()
    topup = start(alice)
    pay(topup, "4000000000003220", django_capture_on_commit_callbacks)
    Client().post(f"/sim/acquirer/3ds/{topup.intent_id}/", {"code": "000000"})
    topup.refresh_from_db()
    assert topup.status == "declined"
    assert topup.decline_reason == "3ds_failed"


def test_capture_that_fails_releases_the_hold(wire: Wire, django_capture_on_commit_callbacks: Any) -> None:
    alice = customer()
    topup = start(alice)
    pay(topup, "4000000000000341", django_capture_on_commit_callbacks)
    topup.refresh_from_db()
    assert topup.status == "failed"
    assert Hold.objects.get(pk=topup.hold_id).status == "released"
    assert wallet_balance(alice) == eur("0.00")
    assert Notification.objects.filter(customer=alice, title__contains="did not go through").exists()


def test_a_chargeback_the_wallet_covers_is_told_and_leaves_it_active(
    wire: Wire, django_capture_on_commit_callbacks: Any
) -> None:
    alice = customer()
    topup = start(alice, "25.00")
    pay(topup, "4000000000000259", django_capture_on_commit_callbacks)
    assert engine.tick() == 1
    wallet = Wallet.objects.get(customer=alice, currency="EUR")
    assert (wallet.status, wallet_balance(alice)) == ("active", eur("0.00"))
    assert not Recovery.objects.exists()
    assert Notification.objects.filter(customer=alice, title="A card top-up was charged back").exists()


def test_chargeback_after_spending_puts_the_wallet_in_recovery_and_write_off_books_the_loss(
    wire: Wire, django_capture_on_commit_callbacks: Any, django_user_model: type[User]
) -> None:
    alice, bob = customer(), customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    topup = start(alice, "25.00")
    pay(topup, "4000000000000259", django_capture_on_commit_callbacks)
    alice_wallet = Wallet.objects.get(customer=alice, currency="EUR")
    transfers.p2p_send(
        customer_id=alice.pk, source_wallet_id=alice_wallet.pk, address=bob.email, amount=eur("20.00"), note="",
        idempotency_key=key(), now=timezone.now(),
    )  # fmt: skip
    assert engine.tick() == 1
    topup.refresh_from_db()
    alice_wallet.refresh_from_db()
    assert topup.status == "charged_back"
    assert wallet_balance(alice) == eur("-20.00")
    assert alice_wallet.status == "recovery"
    assert Notification.objects.filter(customer=alice, title__contains="owes money").exists()
    with pytest.raises(transfers.WalletRefused) as refused:
        transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=alice_wallet.pk, address=bob.email, amount=eur("1.00"), note="",
            idempotency_key=key(), now=timezone.now(),
        )  # fmt: skip
    assert refused.value.code == "wallet_in_recovery"

    owed = Recovery.objects.get(wallet=alice_wallet)
    maker = django_user_model.objects.create_user(email="maker@bank.test", password="x", is_staff=True)
    checker = django_user_model.objects.create_superuser(email="checker@bank.test", password="x")
    request_id = approvals.approval_request(
        action=recovery.WRITE_OFF_ACTION, payload={"recovery_id": owed.pk}, maker_id=maker.pk,
        reason="customer unreachable", now=timezone.now(),
    )  # fmt: skip
    approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=timezone.now())
    owed.refresh_from_db()
    alice_wallet.refresh_from_db()
    loss = bank_account(purpose=BankAccount.Purpose.CHARGEBACK_LOSS, currency="EUR")
    assert owed.status == "written_off"
    assert alice_wallet.status == "active"
    assert wallet_balance(alice) == eur("0.00")
    assert ledger_read.balance(account_id=loss) == eur("20.00")


def test_top_up_beyond_the_tier_is_refused_before_the_acquirer_is_asked(wire: Wire) -> None:
    alice = customer(tier=1)
    with pytest.raises(transfers.WalletRefused) as refused:
        topups.topup_start(
            customer_id=alice.pk, currency="EUR", amount=eur("150.01"), idempotency_key=key(), now=timezone.now()
        )
    assert refused.value.code == "limit_held"
    assert not TopUp.objects.exists()


class TestWebhookGuards:
    @pytest.fixture
    def authorised_message(self, wire: Wire) -> dict[str, Any]:
        alice = customer()
        topup = start(alice)
        return {
            "id": "evt_1", "type": "payment_intent.authorised", "created_at": "2026-11-02T10:00:00+00:00",
            "data": {"intent_id": topup.intent_id, "reference": f"topup:{topup.pk}", "amount_minor": 4000,
                     "currency": "EUR", "status": "authorised",
                     "card": {"token": "tok_x", "brand": "visa", "last4": "4242"}},
        }  # fmt: skip

    def post(self, body: bytes, headers: dict[str, str]) -> Any:
        return Client().post(
            "/app/wallets/acquirer/webhook/", data=body, content_type="application/json", headers=headers
        )

    @staticmethod
    def hand_signed(body: bytes, *, message_id: str, timestamp: int, secret: str) -> dict[str, str]:
        """An independent implementation of the Standard Webhooks signature (spec §"Signature scheme")."""
        key_bytes = base64.b64decode(secret.removeprefix("whsec_"))
        signed = f"{message_id}.{timestamp}.".encode() + body
        digest = hmac.new(key_bytes, signed, hashlib.sha256).digest()
        return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
                "webhook-signature": "v1," + base64.b64encode(digest).decode()}  # fmt: skip

    def test_a_message_signed_by_an_independent_implementation_is_accepted(
        self, authorised_message: dict[str, Any]
    ) -> None:
        body = json.dumps(authorised_message).encode()
        headers = self.hand_signed(
            body, message_id="msg_hand", timestamp=int(time.time()), secret=settings.ACQUIRER_WEBHOOK_SECRET
        )
        response = self.post(body, headers)
        assert response.status_code == 200, response.content
        assert TopUp.objects.get().status == "authorised"

    def test_a_forged_message_is_refused(self, authorised_message: dict[str, Any]) -> None:
        body = json.dumps(authorised_message).encode()
        forged_secret = "whsec_" + base64.b64encode(b"not the acquirer's secret!!").decode()
        headers = self.hand_signed(body, message_id="msg_forged", timestamp=int(time.time()), secret=forged_secret)
        response = self.post(body, headers)
        assert response.status_code == 400
        assert b"signature" in response.content.lower()
        assert TopUp.objects.get().status == "created"

    def test_a_changed_body_is_refused(self, authorised_message: dict[str, Any]) -> None:
        body, headers = webhooks.signed(event_type="payment_intent.authorised", data=authorised_message["data"])
        response = self.post(body.replace(b"4242", b"4243"), headers)
        assert response.status_code == 400
        assert TopUp.objects.get().status == "created"

    def test_a_stale_message_is_refused(self, authorised_message: dict[str, Any]) -> None:
        body = json.dumps(authorised_message).encode()
        headers = self.hand_signed(
            body, message_id="msg_old", timestamp=int(time.time()) - 600, secret=settings.ACQUIRER_WEBHOOK_SECRET
        )
        response = self.post(body, headers)
        assert response.status_code == 400
        assert b"too old" in response.content
        assert TopUp.objects.get().status == "created"

    def test_a_replayed_message_is_refused(
        self, authorised_message: dict[str, Any], django_capture_on_commit_callbacks: Any
    ) -> None:
        body = json.dumps(authorised_message).encode()
        headers = self.hand_signed(
            body, message_id="msg_once", timestamp=int(time.time()), secret=settings.ACQUIRER_WEBHOOK_SECRET
        )
        assert self.post(body, headers).status_code == 200
        again = self.post(body, headers)
        assert again.status_code == 400
        assert b"already received" in again.content
        assert Hold.objects.count() == 1

    def test_a_message_naming_another_amount_is_refused(self, authorised_message: dict[str, Any]) -> None:
        authorised_message["data"]["amount_minor"] = 999_999
        body, headers = webhooks.signed(event_type="payment_intent.authorised", data=authorised_message["data"])
        assert self.post(body, headers).status_code == 400
        assert TopUp.objects.get().status == "created"


def test_the_portal_sends_the_customer_to_the_acquirers_page(wire: Wire) -> None:
    alice = customer()
    client = Client()
    login_verified(client, alice)
    response = client.post("/app/wallets/topup/", {"currency": "EUR", "amount": "12.00", "key": "k1"})
    assert response.status_code == 302
    assert "/sim/acquirer/pay/pi_" in response["Location"]
    bad = client.post("/app/wallets/topup/", {"currency": "EUR", "amount": "12.345", "key": "k2"})
    assert bad.status_code == 200
    assert b"Write an amount" in bad.content
