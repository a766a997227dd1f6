"""Dead events in the back office: who sees them, who may replay them."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from bankcore.events.models import OutboxEvent
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User

pytestmark = pytest.mark.django_db

URL = reverse("admin:events_outboxevent_changelist")


@pytest.fixture
def dead(now: datetime) -> OutboxEvent:
    return OutboxEvent.objects.create(
        name="test.dead", payload={}, status=OutboxEvent.Status.DEAD, attempts=10, last_error="handler: boom"
    )


def staff(role: str) -> User:
    roles.roles_sync()
    user = User.objects.create_user(email=f"{role.replace(' ', '-').lower()}@bank.test", password="x", is_staff=True)
    roles.user_roles_set(user_id=user.pk, roles=[role])
    return user


def replay(client: Client, event: OutboxEvent) -> str:
    response = client.post(URL, {"action": "replay", "_selected_action": [event.pk]}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_administrator_finds_dead_events_and_replays_them(client: Client, dead: OutboxEvent) -> None:
    done = OutboxEvent.objects.create(name="test.done", payload={}, status=OutboxEvent.Status.DONE)
    login_verified(client, staff(roles.ADMINISTRATOR))
    listed = client.get(URL, {"status__exact": "dead"})
    assert [event.pk for event in listed.context["cl"].result_list] == [dead.pk]

    page = client.post(URL, {"action": "replay", "_selected_action": [dead.pk, done.pk]}, follow=True).content.decode()
    assert "1 dead event(s) sent back to the relay." in page
    assert "1 selected event(s) were not dead" in page
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxEvent.Status.PENDING, 0)
    assert OutboxEvent.objects.get(pk=done.pk).status == OutboxEvent.Status.DONE


def test_auditor_sees_dead_events_but_cannot_replay_them(client: Client, dead: OutboxEvent) -> None:
    login_verified(client, staff(roles.AUDITOR))
    page = client.get(URL).content.decode()
    assert "test.dead" in page
    assert "Replay the selected dead events" not in page
    replay(client, dead)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxEvent.Status.DEAD, 10)


def test_a_fraud_analyst_cannot_open_the_outbox(client: Client, dead: OutboxEvent) -> None:
    login_verified(client, staff(roles.FRAUD_ANALYST))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "replay", "_selected_action": [dead.pk]}).status_code == 403
    assert OutboxEvent.objects.get(pk=dead.pk).status == OutboxEvent.Status.DEAD


def test_a_customer_is_sent_to_the_login_page(client: Client, dead: OutboxEvent) -> None:
    client.force_login(User.objects.create_user(email="alice@bank.test", password="x"))
    response = client.post(URL, {"action": "replay", "_selected_action": [dead.pk]})
    assert response.status_code == 302
    assert OutboxEvent.objects.get(pk=dead.pk).status == OutboxEvent.Status.DEAD
