"""An administrator replays a dead event from the back office, on a phone and on a desktop."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bankcore.events.models import OutboxEvent
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_administrator_replays_a_dead_event(page: Page, live_server: LiveServer, width: int) -> None:
    dead = OutboxEvent.objects.create(
        name="test.dead", payload={}, status=OutboxEvent.Status.DEAD, attempts=10, last_error="handler: boom"
    )
    roles.roles_sync()
    admin = User.objects.create_user(email="ops@bank.test", password="x", is_staff=True)
    roles.user_roles_set(user_id=admin.pk, roles=[roles.ADMINISTRATOR])
    # The sign-in itself has its own browser tests; here the session of a verified login is reused.
    client = Client()
    login_verified(client, admin)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/admin/events/outboxevent/?status__exact=dead")
    page.locator(f"input[name=_selected_action][value='{dead.pk}']").check()
    page.locator("select[name=action]").select_option("replay")
    page.locator("button[name=index]").click()

    expect(page.get_by_text("1 dead event(s) sent back to the relay.")).to_be_visible()
    dead.refresh_from_db()
    assert dead.status == OutboxEvent.Status.PENDING
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert console_errors == []
