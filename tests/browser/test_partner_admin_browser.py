"""A partner manager in a real browser (phone and desktop): create a partner, issue its credentials,
read the secret once, revoke them; a missing reason is a message on the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from bankcore.api.models import PartnerAction, PartnerGrant
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[(375, 812), (1280, 800)], ids=["phone", "desktop"])
def manager_page(request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A signed-in partner manager's tab; console errors (CSP reports among them) land on ``page.problems``."""
    roles.roles_sync()  # a transactional test starts from a flushed database
    manager = User.objects.create_user(email="partners@bank.test", password="x-Passw0rd-123", is_staff=True)
    roles.user_roles_set(user_id=manager.pk, roles=[roles.PARTNER_MANAGER])
    client = Client()
    login_verified(client, manager)
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,  # type: ignore[attr-defined]
    )
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    context.close()


def test_create_issue_see_the_secret_once_and_revoke(manager_page: Page, live_server: LiveServer) -> None:
    page = manager_page
    page.goto(live_server.url + "/admin/api/partnergrant/add/")
    page.locator("#id_name").fill("Payouts Ltd")
    page.locator("#id_contact_email").fill("ops@payouts.example")
    page.get_by_label("payments:read", exact=False).check()
    # Bad input first: no reason.
    page.get_by_role("button", name="Create the partner").click()
    assert "This field is required." in page.locator(".field-reason").inner_text()
    assert not PartnerGrant.objects.exists()

    page.locator("#id_reason").fill("Contract 12 signed")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the partner").click()
    assert "no usable secret until you issue credentials" in page.locator(".messagelist").inner_text()
    grant = PartnerGrant.objects.get()
    assert "none issued" in page.locator(".field-credentials").inner_text()

    page.get_by_role("link", name="Issue new credentials").click()
    page.locator("#id_reason").fill("First issue")
    with page.expect_navigation():
        page.get_by_role("button", name="Issue new credentials").click()
    secret = page.locator("code.secret").inner_text().strip()
    assert len(secret) >= 40
    assert page.locator("code.client-id").inner_text().strip() == grant.application.client_id

    page.get_by_role("link", name="Back to the partner").click()
    assert secret not in page.content()  # shown once: never again
    assert "issued" in page.locator(".field-credentials").inner_text()

    page.get_by_role("link", name="Revoke credentials").click()
    page.locator("#id_reason").fill("Contract ended")
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke credentials").click()
    assert "Credentials revoked" in page.locator(".messagelist").inner_text()
    assert "revoked" in page.locator(".field-credentials").inner_text()
    assert list(PartnerAction.objects.order_by("at", "id").values_list("action", "reason")) == [
        ("created", "Contract 12 signed"),
        ("credentials_issued", "First issue"),
        ("credentials_revoked", "Contract ended"),
    ]
    assert page.problems == []  # type: ignore[attr-defined]
