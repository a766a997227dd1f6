"""The inbox in a real browser, phone-wide and desktop: read, mark read, choose e-mail; nothing blocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from bankcore.notifications.models import Notification, Preference
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.bankcore.notifications.factories import NotificationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def signed_in(page: Page, base: str, user: User) -> list[str]:
    """Open a verified session for ``user`` in the page's browser; returns the console errors seen."""
    client = Client()
    login_verified(client, user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.mark.parametrize("width", [375, 1280])
def test_customer_reads_the_inbox_and_marks_a_message_read(page: Page, live_server: LiveServer, width: int) -> None:
    erin = UserFactory()
    NotificationFactory(customer=erin, title="Statement ready", created_at=AT - timedelta(days=1))
    NotificationFactory(customer=erin, title="Your limits changed", body="Tier 2 applies.", created_at=AT)
    NotificationFactory(title="Someone else's news")
    page.set_viewport_size({"width": width, "height": 800})
    errors = signed_in(page, live_server.url, erin)

    page.goto(live_server.url + "/app/")
    page.get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/app/inbox/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    assert page.locator("#unread-count").inner_text() == "2 unread"
    titles = page.locator(".inbox h2").all_inner_texts()
    assert [t.replace("New ", "") for t in titles] == ["Your limits changed", "Statement ready"]
    assert "Someone else" not in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False

    page.get_by_role("button", name="Mark as read: Your limits changed").click()
    page.wait_for_url("**/app/inbox/")
    assert page.locator("#unread-count").inner_text() == "1 unread"
    assert Notification.objects.get(title="Your limits changed").read_at is not None
    assert Notification.objects.get(title="Statement ready").read_at is None
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_customer_switches_an_email_off(page: Page, live_server: LiveServer, width: int) -> None:
    erin = UserFactory()
    page.set_viewport_size({"width": width, "height": 800})
    errors = signed_in(page, live_server.url, erin)
    page.goto(live_server.url + "/app/inbox/")
    page.get_by_role("link", name="E-mail preferences").click()
    box = page.get_by_label("Notices from the bank")
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Save preferences").click()
    assert page.get_by_role("status").inner_text() == "Notification preferences saved."
    assert page.get_by_label("Notices from the bank").is_checked() is False
    assert Preference.objects.get(customer=erin, kind="bank.notice").email is False
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
