"""Wallets in a real browser, phone-wide and desktop: a card top-up through 3-D Secure, and a P2P send.

The top-up goes the whole way over HTTP: the bank asks the acquirer simulator for an intent, the
browser types the card on the acquirer's page and passes its 3-D Secure page, the acquirer's
signed webhooks reach the bank, and the bank asks for the capture. No CSP violation, no console error.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from apps.kyc import services as kyc_services
from apps.wallets.models import TopUp, WalletPhone, WalletTransfer
from apps.wallets.services.wallets import wallet_open
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.apps.wallets.factories import customer, funded_wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page: Page, base: str, user: User) -> list[str]:
    client = Client()
    login_verified(client, user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def bank(live_server: LiveServer, settings: Any, tmp_path: Any) -> str:
    kyc_services.tiers_defaults_ensure()
    settings.BANK_BASE_URL = live_server.url
    settings.ACQUIRER_BASE_URL = f"{live_server.url}/sim/acquirer"
    settings.ACQUIRER_DIR = str(tmp_path / "acquirer")
    return str(live_server.url)


def no_overflow(page: Page) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [375, 1280])
def test_top_up_with_three_d_secure(page: Page, bank: str, width: int) -> None:
    erin = customer()
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, bank, erin)

    page.goto(bank + "/app/wallets/topup/")
    assert no_overflow(page)
    page.get_by_label("Amount").fill("25.00")
    page.get_by_role("button", name="Continue to card payment").click()
    page.wait_for_url("**/sim/acquirer/pay/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your card"
    page.get_by_label("Card number").fill("4000 0000 0000 3220")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/sim/acquirer/3ds/**")
    page.get_by_label("Confirmation code").fill("123456")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/app/wallets/topups/**")
    assert page.locator("#topup-status").inner_text() == "Added to the wallet"
    topup = TopUp.objects.get(customer=erin)
    assert (topup.status, topup.card_last4) == ("captured", "3220")
    page.goto(bank + "/app/wallets/")
    assert "25.00" in page.locator("#balance-EUR").inner_text()
    assert no_overflow(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_send_money_to_another_customer(page: Page, bank: str, width: int) -> None:
    from django.utils import timezone

    alice, bob = customer(), customer()
    funded_wallet(alice, "40.00", now=timezone.now())
    wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, bank, alice)

    page.goto(bank + "/app/wallets/")
    page.get_by_role("link", name="Send", exact=True).first.click()
    page.wait_for_url("**/app/wallets/send/")
    page.get_by_label("To (e-mail or phone number)").fill(bob.email)
    page.get_by_label("Amount").fill("12.00")
    page.get_by_label("Note (optional)").fill("pizza")
    page.get_by_role("button", name="Review").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check and send"
    assert bob.get_full_name() not in page.content()
    assert no_overflow(page)
    page.get_by_role("button", name="Send").last.click()
    page.wait_for_url("**/app/wallets/transfers/**")
    assert page.locator("#transfer-status").inner_text() == "Completed"
    assert WalletTransfer.objects.get(sender=alice).note == "pizza"
    page.goto(bank + "/app/wallets/")
    assert "28.00" in page.locator("#balance-EUR").inner_text()
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_verify_a_phone_number_a_wrong_code_first(page: Page, bank: str, width: int) -> None:
    from tests.apps.wallets.factories import texted_code

    frank = customer()
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, bank, frank)

    page.goto(bank + "/app/wallets/")
    page.get_by_role("link", name="Add a number").click()
    page.wait_for_url("**/app/wallets/phone/")
    page.get_by_label("Your mobile number, with its country code").fill("0151 1234 5678")
    page.get_by_role("button", name="Text me a code").click()
    assert "Write a mobile number with its country code" in page.locator(".errorlist").inner_text()
    page.get_by_label("Your mobile number, with its country code").fill("+49 151 1234 5678")
    page.get_by_role("button", name="Text me a code").click()
    assert "We sent a code to +49 1511 2345678" in page.locator(".messages").inner_text()
    assert no_overflow(page)
    code = texted_code(frank)
    page.get_by_label("The 6-digit code we texted you").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    assert page.locator(".errorlist").inner_text() == "That code is not right. 4 tries left."
    assert no_overflow(page)
    page.get_by_label("The 6-digit code we texted you").fill(code)
    page.get_by_role("button", name="Verify").click()
    assert page.locator("#verified-phone").inner_text() == "+4915112345678"
    assert WalletPhone.objects.get(customer=frank).phone == "+4915112345678"
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
