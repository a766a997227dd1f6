"""A new staff member's second factor, provisioned end to end in a real browser: an administrator issues
an enrolment token, the staff member enrols with it, signs in with a code and reaches the back office."""

from __future__ import annotations

import base64
import time

import pytest
from allauth.account.models import EmailAddress
from django_otp.oath import TOTP
from playwright.sync_api import ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from bankcore.users import demo, roles
from bankcore.users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@bankcore.localhost"
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(page: Page, base: str, email: str, code: str | None) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if code is not None:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/app/**")


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_staff_member_is_provisioned_and_reaches_the_back_office(
    page: Page, live_server: LiveServer, screen: str
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if _is_error(message) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(VIEWPORTS[screen])
    demo.seed()
    newcomer = User.objects.create_user(email="newcomer@bankcore.localhost", password=demo.DEMO_PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    roles.user_roles_set(user_id=newcomer.pk, roles=[roles.PAYMENTS_OPERATOR])
    base = live_server.url

    # The administrator issues the token in the back office; it is shown once.
    admin_key = bytes.fromhex(demo.demo_totp_key(ADMIN))
    sign_in(page, base, ADMIN, code_for(admin_key))
    page.goto(base + "/admin/users/user/")
    page.check(f"input[name=_selected_action][value='{newcomer.pk}']")
    page.select_option("select[name=action]", "issue_enrolment_token")
    page.get_by_role("button", name="Go").click()
    token = page.locator("code.secret").inner_text().strip()
    assert len(token) >= 24
    page.get_by_role("button", name="Log out").first.click()
    page.context.clear_cookies()

    # The newcomer's password alone opens no back office: it sends them to set up a device.
    sign_in(page, base, newcomer.email, None)
    page.goto(base + "/admin/")
    page.wait_for_url("**/app/security/**")
    assert page.get_by_text("ask an administrator for an enrolment token").count() == 1
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_url("**/app/security/totp/**")
    key = base64.b32decode(page.locator("code.secret").inner_text().strip())
    page.get_by_label("Code the new app shows").fill(code_for(key))
    page.get_by_label("Enrolment token from an administrator").fill(token)
    page.get_by_role("button", name="Turn on two-factor").click()
    page.wait_for_url("**/app/security/")
    page.get_by_text("Two-factor authentication is on").wait_for()
    # The security page with a device row fits a phone, and each code field says what it is for.
    assert no_sideways_scroll(page)
    remove_code = page.get_by_label("Code to remove authenticator app").bounding_box()
    assert remove_code is not None
    assert remove_code["width"] >= 120  # room for a whole code, not a sliver
    assert page.get_by_label("Code to make new backup codes").is_visible()
    page.get_by_role("button", name="Log out").first.click()

    # From now on: password and a code from the app, then the back office.
    sign_in(page, base, newcomer.email, code_for(key, steps_ahead=1))
    page.goto(base + "/admin/")
    assert page.url.rstrip("/").endswith("/admin")
    assert page.get_by_role("heading", name="Back office").count() == 1
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


def test_a_wrong_enrolment_token_is_shown_on_the_page(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])
    staff = User.objects.create_user(email="staff@bankcore.localhost", password=demo.DEMO_PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    sign_in(page, live_server.url, staff.email, None)
    page.goto(live_server.url + "/app/security/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    key = base64.b32decode(page.locator("code.secret").inner_text().strip())
    page.get_by_label("Code the new app shows").fill(code_for(key))
    page.get_by_label("Enrolment token from an administrator").fill("not-a-real-token")
    page.get_by_role("button", name="Turn on two-factor").click()
    message = page.get_by_text("That enrolment token is not valid")
    message.wait_for()  # the refused form comes back as a new page
    assert message.count() == 1
    assert no_sideways_scroll(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]


def _is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"
