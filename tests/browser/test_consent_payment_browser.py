"""A single-payment consent in a real browser, phone-wide and desktop: the partner asks, the customer
approves that one payment with the code, the partner pays it, once; nothing blocked by the CSP, no
console error, no sideways scroll."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from apps.accounts.services import products
from apps.kyc import services as kyc_services
from apps.payments.models import Payment
from bankcore.api.models import Consent
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.access import login_verified
from tests.apps.payments.factories import payer
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_overflow(shown: Page) -> bool:
    return not shown.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def post(path: str, token: str, key: str, data: dict[str, Any]) -> Any:
    return Client().post(
        path, json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip


@pytest.mark.parametrize("width", [375, 1280])
def test_customer_approves_one_payment_and_the_partner_pays_it_once(
    page: Page, live_server: LiveServer, width: int
) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    alice = payer(balance="100.00", full_name="Alice Example")
    bob = payer(balance="0", full_name="Bob Example")
    grant = PartnerGrantFactory(application__name="Pay Buddy", acting_for=None)
    token = AccessTokenFactory(application=grant.application, scope="payments:read payments:write").token
    order = {
        "source_account": alice.account.iban,
        "amount": "25.00",
        "currency": "EUR",
        "creditor": {"name": "Bob Example", "iban": bob.account.iban},
        "reference": "Dinner",
    }
    asked = post("/api/v1/consents/", token, f"ask-{width}", {"payment": order})
    assert asked.status_code == 201, asked.content
    consent_id = asked.json()["id"]
    approval_path = asked.json()["approval_url"].removeprefix("http://testserver")

    client = Client()
    login_verified(client, alice.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(live_server.url + approval_path)
    assert page.get_by_role("heading", level=1).inner_text() == "Pay Buddy asks for your consent"
    assert "Bob Example" in page.content()
    assert no_overflow(page)
    page.get_by_label("Code from your authenticator app").fill(alice.code())
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/app/consents/")
    assert "Pay Buddy now has your consent." in page.content()
    assert no_overflow(page)
    assert Consent.objects.get().status == "valid"

    paid = post("/api/v1/payments/", token, f"pay-{width}", order | {"consent_id": consent_id})
    assert paid.status_code == 201, paid.content
    assert (paid.json()["status"], paid.json()["consent_id"]) == ("settled", consent_id)
    again = post("/api/v1/payments/", token, f"again-{width}", order | {"consent_id": consent_id})
    assert (again.status_code, again.json()["code"]) == (409, "consent_used")
    assert Payment.objects.count() == 1
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("25.00", "EUR")

    page.reload()
    assert page.locator("[data-status=expired]").count() == 1
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
