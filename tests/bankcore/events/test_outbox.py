from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command

from bankcore import events
from bankcore.events import registry
from bankcore.events.models import HandlerRun, OutboxEvent
from bankcore.events.services import outbox_relay

pytestmark = pytest.mark.django_db

seen: list[tuple[str, dict[str, Any]]] = []
fail_next: list[bool] = []


def record(event_id: str, payload: dict[str, Any]) -> None:
    seen.append((event_id, payload))


def flaky(event_id: str, payload: dict[str, Any]) -> None:
    if fail_next and fail_next.pop():
        raise RuntimeError("downstream unavailable")
    seen.append(("flaky", payload))


@pytest.fixture(autouse=True)
def handlers() -> Iterator[None]:
    # Start from an empty outbox (data committed by session-wide fixtures elsewhere is set
    # aside for this test only; the test's transaction is rolled back afterwards).
    OutboxEvent.objects.all().delete()
    saved = dict(registry._handlers)
    seen.clear()
    fail_next.clear()
    events.subscribe("test.happened", record)
    events.subscribe("test.flaky", record)
    events.subscribe("test.flaky", flaky)
    yield
    registry._handlers.clear()
    registry._handlers.update(saved)


def test_published_event_reaches_its_handler_once(now: datetime) -> None:
    event_id = events.publish("test.happened", {"payment_id": 7})
    assert outbox_relay(now=now) == 1
    assert seen == [(event_id, {"payment_id": 7})]
    assert outbox_relay(now=now) == 0
    assert len(seen) == 1
    assert OutboxEvent.objects.get(name="test.happened").processed_at == now


def test_failed_handler_is_retried_without_rerunning_the_others(now: datetime) -> None:
    fail_next.append(True)
    events.publish("test.flaky", {"n": 1})
    assert outbox_relay(now=now) == 0
    event = OutboxEvent.objects.get(name="test.flaky")
    assert event.processed_at is None
    assert "downstream unavailable" in event.last_error
    assert len(seen) == 1  # `record` ran; `flaky` failed

    assert outbox_relay(now=now) == 1
    assert [name for name, _ in seen] == [str(event.event_id), "flaky"]  # record did not run twice
    assert HandlerRun.objects.filter(event_id=event.event_id).count() == 2


def test_event_rolled_back_with_its_transaction_is_never_relayed(now: datetime) -> None:
    from django.db import transaction

    def change_that_fails() -> None:
        with transaction.atomic():
            events.publish("test.happened", {"n": 1})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not OutboxEvent.objects.filter(name="test.happened").exists()


def test_relay_command_drains_the_outbox(capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(3):
        events.publish("test.happened", {"n": n})
    call_command("relay_outbox", "--batch-size", "2")
    assert "relayed 3 event(s)" in capsys.readouterr().out
    assert len(seen) == 3
