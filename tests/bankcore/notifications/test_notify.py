"""notify(): the inbox row in the caller's transaction, the e-mail only after it commits, as preferred."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from bankcore.notifications import notify, selectors, services
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from tests.bankcore.notifications.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def erin() -> User:
    return UserFactory(email="erin@example.test")


def send(erin: User, now: datetime, **overrides: Any) -> int:
    args: dict[str, Any] = {
        "customer_id": erin.pk, "kind": "bank.notice", "title": "Your card is on its way",
        "body": "It should arrive within five working days.", "link": "/app/", "now": now,
    } | overrides  # fmt: skip
    return notify(**args)


def test_inbox_row_now_and_email_after_commit(
    erin: User, now: datetime, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification_id = send(erin, now)
        assert mail.outbox == []  # nothing leaves before the caller commits
    row = Notification.objects.get(pk=notification_id)
    assert (row.customer_id, row.title, row.read_at, row.created_at) == (erin.pk, "Your card is on its way", None, now)
    assert [m.to for m in mail.outbox] == [["erin@example.test"]]
    assert mail.outbox[0].subject == "Your card is on its way"
    assert "/app/" in mail.outbox[0].body
    assert row.emailed_at is not None


def test_a_rolled_back_caller_leaves_no_row_and_sends_nothing(
    erin: User, now: datetime, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send(erin, now)
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_email_switched_off_still_reaches_the_inbox(
    erin: User, now: datetime, django_capture_on_commit_callbacks: Capture
) -> None:
    services.preferences_set(customer_id=erin.pk, email={"bank.notice": False}, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        send(erin, now)
    assert mail.outbox == []
    assert selectors.unread_count(customer_id=erin.pk) == 1


def test_an_email_is_delivered_once_however_often_the_task_runs(erin: User, now: datetime) -> None:
    notification_id = send(erin, now)
    assert services.notification_email_deliver(notification_id=notification_id, now=now) is True
    assert services.notification_email_deliver(notification_id=notification_id, now=now) is False
    assert len(mail.outbox) == 1


def test_a_failing_mail_backend_leaves_it_for_a_retry(erin: User, now: datetime, settings: Any) -> None:
    notification_id = send(erin, now)
    settings.EMAIL_BACKEND = "tests.bankcore.notifications.broken_backend.BrokenBackend"
    with pytest.raises(ConnectionRefusedError, match="unreachable"):
        services.notification_email_deliver(notification_id=notification_id, now=now)
    assert Notification.objects.get(pk=notification_id).emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.notification_email_deliver(notification_id=notification_id, now=now) is True


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
    ],
)
def test_links_lead_only_to_the_bank(erin: User, now: datetime, link: str) -> None:
    with pytest.raises(ValueError, match="path of the bank"):
        send(erin, now, link=link)
    assert not Notification.objects.exists()


def test_an_unregistered_kind_is_a_programming_error(erin: User, now: datetime) -> None:
    with pytest.raises(ValueError, match="not registered"):
        send(erin, now, kind="made.up")


def test_inbox_is_newest_first_and_only_the_customers_own(erin: User, now: datetime) -> None:
    from datetime import timedelta

    older = NotificationFactory(customer=erin, created_at=now - timedelta(days=1))
    newer = NotificationFactory(customer=erin, created_at=now)
    NotificationFactory()  # someone else's
    assert [item.id for item in selectors.inbox_list(customer_id=erin.pk)] == [newer.pk, older.pk]


def test_marking_another_customers_notification_is_not_found(erin: User, now: datetime) -> None:
    theirs = NotificationFactory()
    with pytest.raises(services.NotificationNotFound):
        services.notification_mark_read(customer_id=erin.pk, notification_id=theirs.pk, now=now)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_list_every_kind_with_its_default(erin: User, now: datetime) -> None:
    before = {p.kind: p.email for p in selectors.preferences_list(customer_id=erin.pk)}
    assert before["bank.notice"] is True
    services.preferences_set(customer_id=erin.pk, email={"bank.notice": False}, now=now)
    after = {p.kind: p.email for p in selectors.preferences_list(customer_id=erin.pk)}
    assert after["bank.notice"] is False
