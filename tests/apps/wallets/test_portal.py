"""The portal: every page works for its owner, is a 404 for another customer, and refuses bad input clearly."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.wallets.models import FxQuote, MoneyRequest, TopUp, WalletTransfer
from apps.wallets.services import fx, requests
from apps.wallets.services.wallets import wallet_open
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.access import assert_access, assert_login_required, login_verified
from tests.apps.wallets.factories import customer, funded_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_and_bob() -> tuple[Any, Any]:
    return customer(), customer()


def test_pages_need_a_login() -> None:
    pages = ["", "send/", "request/", "receive/", "topup/", "convert/", "pay-qr/"]
    assert_login_required(Client(), [f"/app/wallets/{page}" for page in pages])


def test_home_shows_balances_and_activity(alice_and_bob: Any) -> None:
    alice, _ = alice_and_bob
    funded_wallet(alice, "12.50", now=timezone.now())
    client = Client()
    login_verified(client, alice)
    page = client.get("/app/wallets/")
    assert page.status_code == 200
    assert "12.50" in page.content.decode()
    dashboard = client.get("/app/")
    assert "12.50" in dashboard.content.decode()


def test_send_review_does_not_say_whether_the_address_is_a_customer(alice_and_bob: Any) -> None:
    alice, bob = alice_and_bob
    funded_wallet(alice, "50.00", now=timezone.now())
    wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    client = Client()
    login_verified(client, alice)
    known = client.post("/app/wallets/send/", {"currency": "EUR", "address": bob.email, "amount": "5.00", "note": ""})
    unknown = client.post(
        "/app/wallets/send/", {"currency": "EUR", "address": "nobody@example.test", "amount": "5.00", "note": ""}
    )

    def strip(html: bytes, address: str) -> str:
        # The page as the sender sees it, less the per-response tokens (CSRF, the attempt's key).
        text = re.sub(r'value="[A-Za-z0-9_-]{16,}"', 'value="TOKEN"', html.decode())
        return text.replace(address, "ADDRESS")

    assert strip(known.content, bob.email) == strip(unknown.content, "nobody@example.test")
    assert bob.get_full_name() not in known.content.decode()


def test_send_low_value_without_a_code_then_refusal_is_a_form_message(alice_and_bob: Any) -> None:
    alice, bob = alice_and_bob
    source = funded_wallet(alice, "50.00", now=timezone.now())
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    client = Client()
    login_verified(client, alice)
    data = {"currency": "EUR", "address": bob.email, "amount": "5.00", "note": "hi", "key": "k-1"}
    done = client.post("/app/wallets/send/confirm/", data)
    assert done.status_code == 302
    assert ledger_read.balance(account_id=target.ledger_account_id) == Money.of("5.00", "EUR")
    too_much = client.post(
        "/app/wallets/send/confirm/", data | {"amount": "29.00", "key": "k-2", "address": "nobody@example.test"}
    )
    assert too_much.status_code == 422
    assert "Nobody can receive" in too_much.content.decode()
    assert ledger_read.balance(account_id=source.ledger_account_id) == Money.of("45.00", "EUR")


def test_bad_amount_is_a_form_error(alice_and_bob: Any) -> None:
    alice, _ = alice_and_bob
    client = Client()
    login_verified(client, alice)
    page = client.post(
        "/app/wallets/send/", {"currency": "EUR", "address": "x@example.test", "amount": "1.999", "note": ""}
    )
    assert page.status_code == 200
    assert "Write an amount of EUR" in page.content.decode()


def test_another_customer_gets_404_on_every_object_url(alice_and_bob: Any, live_rates: None) -> None:
    alice, bob = alice_and_bob
    mallory = customer()
    now = timezone.now()
    source = funded_wallet(alice, "50.00", now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)
    transfer = WalletTransfer.objects.create(
        sender=alice, recipient=bob, source_wallet=source, target_wallet=source, amount_minor=1, currency="EUR",
        address=bob.email, status="completed", idempotency_key="x", sca_exemption="low_value", created_at=now,
    )  # fmt: skip
    request_id = requests.request_create(
        customer_id=bob.pk, address=alice.email, amount=Money.of("1.00", "EUR"), note="", now=now
    )
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=source.pk, target_currency="USD", sell=Money.of("1.00", "EUR"), now=now
    )
    topup = TopUp.objects.create(customer=alice, wallet=source, amount_minor=100, currency="EUR", idempotency_key="t",
                                 created_at=now, updated_at=now)  # fmt: skip
    client = Client()
    assert_access(client, f"/app/wallets/{source.pk}/", owner=alice, other=mallory)
    assert_access(client, f"/app/wallets/transfers/{transfer.pk}/", owner=alice, other=mallory)
    assert_access(client, f"/app/wallets/requests/{request_id}/", owner=alice, other=mallory)
    assert_access(client, f"/app/wallets/topups/{topup.pk}/", owner=alice, other=mallory)
    assert_access(client, f"/app/wallets/quotes/{quote_id}/", owner=alice, other=mallory)
    assert_access(client, f"/app/wallets/quotes/{quote_id}/", owner=alice, other=mallory, method="POST")
    assert FxQuote.objects.get(pk=quote_id).status == "executed"
    assert_access(client, f"/app/wallets/requests/{request_id}/decline/", owner=alice, other=mallory, method="POST")
    assert MoneyRequest.objects.get(pk=request_id).status == "declined"
    login_verified(client, mallory)
    assert client.post(f"/app/wallets/requests/{request_id}/pay/").status_code == 404


def test_receive_shows_a_qr_image_and_paying_a_tampered_code_says_so(alice_and_bob: Any) -> None:
    alice, bob = alice_and_bob
    client = Client()
    login_verified(client, alice)
    page = client.post("/app/wallets/receive/", {"currency": "EUR", "amount": "3.00"})
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    code = html.split('id="qr-text" class="secret">')[1].split("<")[0]
    funded_wallet(bob, "10.00", now=timezone.now())
    login_verified(client, bob)
    tampered = client.post("/app/wallets/pay-qr/", {"code": code[:-3] + "xyz"})
    assert "not a valid bankcore payment code" in tampered.content.decode()
    review = client.post("/app/wallets/pay-qr/", {"code": code})
    assert alice.get_full_name() in review.content.decode()
    key = review.content.decode().split('name="key" value="')[1].split('"')[0]
    paid = client.post("/app/wallets/pay-qr/", {"code": code, "key": key})
    assert paid.status_code == 302


def test_withdraw_page_refuses_more_than_the_wallet_holds(alice_and_bob: Any) -> None:
    alice, _ = alice_and_bob
    funded_wallet(alice, "10.00", now=timezone.now())
    client = Client()
    login_verified(client, alice)
    assert client.get("/app/wallets/withdraw/").status_code == 200
    page = client.post(
        "/app/wallets/withdraw/", {"currency": "EUR", "iban": "DE89370400440532013000", "amount": "11.00"}
    )
    assert page.status_code == 200
    assert "available" in page.content.decode()
