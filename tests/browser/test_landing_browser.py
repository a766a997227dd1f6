"""The public pages render in a real browser under the strict CSP, with nothing blocked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_page_renders_styled_with_no_csp_violation(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/")
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Banking that adds up")
    # The vendored stylesheet applied (a CSP block would leave the default transparent button).
    background = page.locator("a.button").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    # htmx loaded from our own origin and runs without eval or inline styles.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_narrow_screen_keeps_the_page_readable(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused
