"""Pay someone in a real browser, phone-wide and desktop: form, payee check, SCA code, done."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from apps.accounts.services import products
from apps.fraud import interface as fraud
from apps.kyc import services as kyc_services
from apps.payments.models import Payment
from bankcore.testing.access import login_verified
from tests.apps.payments.factories import EXTERNAL_IBAN, payer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page: Page, base: str, user: Any) -> list[str]:
    client = Client()
    login_verified(client, user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def no_overflow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")  # type: ignore[no-any-return]


@pytest.mark.parametrize("width", [375, 1280])
def test_pay_someone_with_the_payee_check_and_a_code(
    page: Page, live_server: LiveServer, settings: Any, width: int
) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    # The payee's bank answers over HTTP: the simulator mounted on the same live server.
    settings.CLEARING_VOP_URL = live_server.url + "/simulators/clearing/vop/"
    alice = payer(balance="500.00", full_name="Alice Browser")
    # The sanctions index loads once per process; warm it here rather than inside a click's timeout.
    fraud.screen_name("Warm Up")
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, live_server.url, alice.user)

    page.goto(live_server.url + "/app/payments/new/")
    page.get_by_label("Payee's name").fill("Mustermann Max")
    page.get_by_label("Payee's IBAN").fill(EXTERNAL_IBAN)
    page.get_by_label("Amount").fill("45.00")
    page.get_by_label("Reference").fill("Invoice 7")
    assert no_overflow(page)
    page.get_by_role("button", name="Continue").click()

    check = page.locator("#payee-check")
    check.wait_for()
    assert check.get_attribute("data-result") == "CMTC"
    assert "Max Mustermann" in check.inner_text()
    assert page.locator("#confirm-amount").inner_text() == "45.00 EUR"
    assert no_overflow(page)
    assert not Payment.objects.exists()
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/authorise/")
    page.get_by_label("Code from your authenticator app").fill(alice.code())
    page.get_by_role("button", name="Approve and pay").click()
    page.locator("#payment-status").wait_for()
    assert "Accepted" in page.locator("#payment-status").inner_text()
    assert "CMTC" in page.locator("#vop-result").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Awaiting" in timeline
    assert "Checking" in timeline
    assert "Accepted" in timeline
    assert no_overflow(page)
    payment = Payment.objects.get()
    assert (payment.status, payment.vop_result, payment.sca_exemption) == ("accepted", "CMTC", "")
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
