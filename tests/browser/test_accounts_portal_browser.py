"""The account pages in a real browser, phone-wide and desktop: overview → account → filter → detail,
opening an account, a bad filter's message; no CSP violation, no console error, no sideways scroll."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Account
from apps.accounts.services import products
from apps.kyc import services as kyc_services
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.apps.accounts.factories import open_account, verified_customer, with_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page: Page, base: str, user: User) -> list[str]:
    client = Client()
    login_verified(client, user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


@pytest.fixture
def customer() -> User:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    return verified_customer(full_name="Bea Browser", email="bea@example.test")


@pytest.fixture
def account(customer: User) -> Account:
    start = timezone.now() - timedelta(days=70)
    account = open_account(customer=customer, now=start - timedelta(hours=1))
    moves = [
        (start + timedelta(days=n // 2, hours=n % 2), 25_000 if n % 2 == 0 else -(700 + n), f"Shop {n}")
        for n in range(120)
    ]
    with_history(account, moves)
    return account


@pytest.mark.parametrize("width", [375, 1280])
def test_overview_to_account_to_filter_to_detail(
    page: Page, live_server: LiveServer, customer: User, account: Account, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 850})
    errors = signed_in(page, live_server.url, customer)
    page.goto(live_server.url + "/app/accounts/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your accounts"
    assert no_sideways_scroll(page)
    page.get_by_role("link", name="Current account").click()
    page.wait_for_url(f"**/app/accounts/{account.pk}/")
    assert page.locator("#balance").inner_text().endswith("EUR")
    assert page.locator("svg.chart").is_visible()
    assert page.locator(".epc img").is_visible()
    assert page.locator("tr[data-transaction]").count() == 50
    assert no_sideways_scroll(page)

    page.get_by_label("Direction").select_option("out")
    page.get_by_label("Text").fill("shop 11")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**direction=out**")
    rows = page.locator("tr[data-transaction]")
    assert rows.count() == 6  # Shop 11, 111, 113, 115, 117, 119
    assert all("-" in text for text in page.locator("tr[data-transaction] td.amount-negative").all_inner_texts())

    rows.first.get_by_role("link").click()
    page.wait_for_url("**/transactions/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Money out")
    assert no_sideways_scroll(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_a_bad_filter_shows_a_message(
    page: Page, live_server: LiveServer, customer: User, account: Account, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 850})
    errors = signed_in(page, live_server.url, customer)
    page.goto(live_server.url + f"/app/accounts/{account.pk}/")
    page.get_by_label("Amount from").fill("50")
    page.get_by_label("Amount up to").fill("10")
    page.get_by_role("button", name="Filter").click()
    message = page.locator("#filter-errors")
    message.wait_for()
    assert "below the lower one" in message.inner_text()
    assert page.locator("tr[data-transaction]").count() == 0
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_open_a_savings_account(page: Page, live_server: LiveServer, customer: User, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 850})
    errors = signed_in(page, live_server.url, customer)
    page.goto(live_server.url + "/app/accounts/")
    page.locator(".subnav[aria-label=Accounts]").get_by_role("link", name="Open an account").click()
    page.get_by_label("Account", exact=True).select_option("savings")
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_label("Name it (optional)").fill("Holiday")
    page.get_by_role("button", name="Open the account").click()
    page.wait_for_url("**/app/accounts/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Holiday"
    assert page.get_by_role("status").inner_text() == "Your new account is open."
    assert Account.objects.filter(customer=customer, product__code="savings", currency="GBP").exists()
    assert no_sideways_scroll(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
