"""A visitor follows the footer's Status link to a readable page, on a phone and on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_footer_status_link_opens_the_status_page(page: Page, live_server: LiveServer, width: int) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.get_by_role("contentinfo").get_by_role("link", name="Status").click()
    assert page.url == live_server.url + "/status/"
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "Service status"
    assert page.get_by_text("All systems operational").is_visible()
    assert page.get_by_text("Operational", exact=True).count() >= 2
    # The portal's stylesheet applied: the badges are coloured, not default inline text.
    badge = page.locator(".badge-ok").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert badge not in ("rgba(0, 0, 0, 0)", "transparent")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
