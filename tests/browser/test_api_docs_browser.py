"""Swagger UI at /api/docs/ from the bank's own files, under the strict CSP, listing the partner API."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_swagger_ui_renders_every_resource_with_nothing_blocked(
    page: Page, live_server: LiveServer, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    response = page.goto(live_server.url + "/api/docs/")
    assert response is not None
    assert response.status == 200
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    tags = set(page.locator(".opblock-tag").all_inner_texts())
    assert {"payments", "accounts", "consents", "webhook-endpoints"} <= {t.split()[0] for t in tags}
    assert outside == []  # no CDN: every asset is the bank's own
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
