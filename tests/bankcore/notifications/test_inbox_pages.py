"""The inbox pages: private, newest first, read only by POST, another customer's is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from bankcore.notifications.models import Notification, Preference
from bankcore.testing.access import assert_access, assert_anonymous_refused, assert_login_required, login_verified
from bankcore.users.models import User
from tests.bankcore.notifications.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def erin() -> User:
    return UserFactory()


@pytest.fixture
def mallory() -> User:
    return UserFactory()


def test_pages_need_login(client: Client) -> None:
    assert_login_required(client, ["/app/inbox/", "/app/inbox/preferences/"])
    assert_anonymous_refused(client, "/app/inbox/read-all/", method="POST")


def test_inbox_lists_newest_first_with_the_unread_count(client: Client, erin: User, mallory: User) -> None:
    NotificationFactory(customer=erin, title="Older news", created_at=AT - timedelta(days=2))
    NotificationFactory(customer=erin, title="Newer news", created_at=AT, read_at=AT)
    NotificationFactory(customer=mallory, title="Mallory's secret")
    login_verified(client, erin)
    page = client.get("/app/inbox/").content.decode()
    assert page.index("Newer news") < page.index("Older news")
    assert "1 unread" in page
    assert "Mallory" not in page


def test_mark_read_is_post_only_and_another_customer_gets_404(client: Client, erin: User, mallory: User) -> None:
    mine = NotificationFactory(customer=erin)
    url = f"/app/inbox/{mine.pk}/read/"
    login_verified(client, erin)
    assert client.get(url).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None
    client.logout()
    assert_access(client, url, owner=erin, other=mallory, method="POST")
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_guessed_id_is_404(client: Client, erin: User) -> None:
    login_verified(client, erin)
    assert client.post("/app/inbox/999999/read/").status_code == 404


def test_mark_all_read_touches_only_the_customers_own(client: Client, erin: User, mallory: User) -> None:
    NotificationFactory.create_batch(2, customer=erin)
    theirs = NotificationFactory(customer=mallory)
    login_verified(client, erin)
    response = client.post("/app/inbox/read-all/", follow=True)
    assert "2 marked as read." in response.content.decode()
    assert not Notification.objects.filter(customer=erin, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_form_saves_the_choice(client: Client, erin: User) -> None:
    login_verified(client, erin)
    form = client.get("/app/inbox/preferences/").content.decode()
    assert 'name="bank.notice"' in form
    assert 'name="kyc.status"' in form
    response = client.post("/app/inbox/preferences/", {"kyc.status": "on"}, follow=True)
    assert "Notification preferences saved." in response.content.decode()
    saved = dict(Preference.objects.filter(customer=erin).values_list("kind", "email"))
    # Every kind the contexts registered is saved; only the ticked one sends e-mail.
    assert saved["kyc.status"] is True
    assert saved["bank.notice"] is False
    assert {kind for kind, email in saved.items() if email} == {"kyc.status"}
