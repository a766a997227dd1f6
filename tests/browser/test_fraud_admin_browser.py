"""An analyst finds the rule that failed, and why, in a real browser (phone and desktop widths)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from apps.fraud import interface
from apps.fraud.models import RuleVersion
from bankcore.testing.access import login_verified
from tests.apps.fraud.factories import RuleVersionFactory, txn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)


@pytest.fixture(params=[(375, 812), (1280, 800)], ids=["phone", "desktop"])
def analyst_page(request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A signed-in analyst's tab; console errors and CSP reports are collected on ``page.problems``."""
    user = get_user_model().objects.create_superuser(email="analyst@bank.test", password="x-Passw0rd-123")
    client = Client()
    login_verified(client, user)
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield page
    context.close()


def test_the_failing_rule_is_listed_with_its_count_and_its_error(analyst_page: Page, live_server: LiveServer) -> None:
    broken: RuleVersion = RuleVersionFactory(rule__code="renamed-feature", condition="amount_in_cents > 0")
    RuleVersionFactory(rule__code="healthy")
    decision = interface.transaction_decide(txn=txn("payment:1"), now=NOW)  # commits: counted after commit
    assert decision.outcome == "review"

    page = analyst_page
    page.goto(live_server.url + "/admin/fraud/ruleversion/")
    page.get_by_role("link", name="Raised at least once").click()
    page.wait_for_url("**failing=yes**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "renamed-feature" in rows.first.inner_text()
    assert rows.first.locator("td.field-error_count").inner_text() == "1"

    page.goto(live_server.url + f"/admin/fraud/ruleversion/{broken.pk}/change/")
    assert "unknown feature 'amount_in_cents'" in page.locator(".field-last_error").inner_text()
    assert page.problems == []  # type: ignore[attr-defined]
