"""A consent in a real browser, phone-wide and desktop: the partner asks, the customer approves with the code,
the partner then sees the account; nothing blocked by the CSP, no console error, no sideways scroll."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from bankcore.api import directory
from bankcore.api.models import Consent
from bankcore.api.visibility import partner_may_see
from bankcore.testing.access import login_verified
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory
from tests.bankcore.users.factories import UserFactory
from tests.bankcore.users.otp import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice_account() -> Iterator[directory.DirectoryAccount]:
    alice = UserFactory(full_name="Alice Example")
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    account = directory.DirectoryAccount(
        account_id=41, customer_id=alice.pk, wire_id="acc_41", iban="DE89370400440532013000", currency="EUR"
    )
    saved = dict(directory._registered)
    directory.account_directory_register(
        resolve=lambda ref: account if ref in ("acc_41", account.iban) else None,
        describe=lambda account_id: account if account_id == 41 else None,
    )
    yield account
    directory._registered.clear()
    directory._registered.update(saved)


def no_overflow(shown: Page) -> bool:
    return not shown.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [375, 1280])
def test_customer_approves_a_consent_with_the_code_and_the_partner_sees_the_account(
    page: Page,
    live_server: LiveServer,
    alice_account: directory.DirectoryAccount,
    width: int,
) -> None:
    grant = PartnerGrantFactory(application__name="Budget Buddy")
    token = AccessTokenFactory(application=grant.application, scope="accounts:read")
    api = Client()
    asked = api.post(
        "/api/v1/consents/",
        json.dumps(
            {
                "access": {"accounts": ["acc_41"], "balances": True, "transactions": True},
                "valid_until": (timezone.now() + timedelta(days=90)).date().isoformat(),
                "frequency_per_day": 4,
                "recurring": True,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.token}",
        HTTP_IDEMPOTENCY_KEY=f"ask-{width}",
    )
    assert asked.status_code == 201
    approval_path = json.loads(asked.content)["approval_url"].removeprefix("http://testserver")

    alice = Consent.objects.get().customer
    client = Client()
    login_verified(client, alice)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": width, "height": 800})

    page.goto(live_server.url + approval_path)
    assert page.get_by_role("heading", level=1).inner_text() == "Budget Buddy asks for your consent"
    assert "balances, transactions" in page.content()
    assert no_overflow(page)
    page.get_by_label("Code from your authenticator app").fill(totp_code(TOTPDevice.objects.get(user=alice)))
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/app/consents/")
    assert "Budget Buddy now has your consent." in page.content()
    assert page.locator("[data-status=valid]").count() == 1
    assert no_overflow(page)

    # Later the customer finds it again from the security page, where a customer looks for who has access.
    page.goto(live_server.url + "/app/security/")
    page.get_by_role("link", name="See and revoke your consents").click()
    page.wait_for_url("**/app/consents/")
    assert page.locator("[data-status=valid]").count() == 1
    assert "Budget Buddy" in page.content()
    assert no_overflow(page)

    consent = Consent.objects.get()
    assert consent.status == "valid"
    assert partner_may_see(
        application_id=grant.application_id,
        customer_id=alice.pk,
        account_id=41,
        access="transactions",
        now=timezone.now(),
    )
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
