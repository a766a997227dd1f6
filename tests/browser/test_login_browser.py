"""A customer signs in with password and authenticator code in a real browser, under the strict CSP."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from bankcore.users import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_code(email: str) -> str:
    return f"{totp(bytes.fromhex(demo.demo_totp_key(email)), t0=0, step=30, digits=6, drift=0):06d}"


def sign_in(page: Page, base: str, email: str, code: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()


def test_customer_signs_in_with_a_second_factor(page: Page, live_server: LiveServer) -> None:
    demo.seed()
    email = "alice@bankcore.localhost"
    sign_in(page, live_server.url, email, current_code(email))
    page.wait_for_url("**/app/**")
    assert "Alice" in page.content()
    page.goto(live_server.url + "/app/security/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_wrong_code_keeps_the_customer_out(page: Page, live_server: LiveServer) -> None:
    demo.seed()
    email = "bob@bankcore.localhost"
    wrong = f"{(int(current_code(email)) + 1) % 1_000_000:06d}"
    sign_in(page, live_server.url, email, wrong)
    assert "/accounts/2fa/verify/" in page.url
    assert page.get_by_text("Enter your code").count() == 1
    page.goto(live_server.url + "/app/")
    assert "/app/" not in page.url  # no session was opened: sent back to sign-in
