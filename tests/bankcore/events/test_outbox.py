from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from bankcore import events
from bankcore.events import registry
from bankcore.events.models import HandlerRun, OutboxEvent
from bankcore.events.services import outbox_events_replay, outbox_relay, retry_delay

pytestmark = pytest.mark.django_db

seen: list[tuple[str, dict[str, Any]]] = []
fail_next: list[bool] = []


def record(event_id: str, payload: dict[str, Any]) -> None:
    seen.append((event_id, payload))


def flaky(event_id: str, payload: dict[str, Any]) -> None:
    if fail_next and fail_next.pop():
        raise RuntimeError("downstream unavailable")
    seen.append(("flaky", payload))


def broken(event_id: str, payload: dict[str, Any]) -> None:
    raise RuntimeError("downstream gone")


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
    events.subscribe("test.broken", record)
    events.subscribe("test.broken", broken)
    yield
    registry._handlers.clear()
    registry._handlers.update(saved)


def test_published_event_reaches_its_handler_once(now: datetime) -> None:
    event_id = events.publish("test.happened", {"payment_id": 7})
    assert outbox_relay(now=now) == 1
    assert seen == [(event_id, {"payment_id": 7})]
    assert outbox_relay(now=now) == 0
    assert len(seen) == 1
    event = OutboxEvent.objects.get(name="test.happened")
    assert (event.status, event.processed_at, event.attempts) == (OutboxEvent.Status.DONE, now, 1)
    assert event.locked_until is None


def test_failed_handler_is_retried_after_its_delay_without_rerunning_the_others(now: datetime) -> None:
    fail_next.append(True)
    events.publish("test.flaky", {"n": 1})
    assert outbox_relay(now=now) == 0
    event = OutboxEvent.objects.get(name="test.flaky")
    assert (event.status, event.attempts, event.processed_at) == (OutboxEvent.Status.PENDING, 1, None)
    assert "downstream unavailable" in event.last_error
    assert event.next_attempt_at is not None
    assert event.next_attempt_at >= now + retry_delay(attempts=1)
    assert len(seen) == 1  # `record` ran; `flaky` failed

    assert outbox_relay(now=now + timedelta(seconds=1)) == 0  # not due yet: nothing runs
    assert len(seen) == 1

    later = event.next_attempt_at + timedelta(seconds=1)
    assert outbox_relay(now=later) == 1
    assert [name for name, _ in seen] == [str(event.event_id), "flaky"]  # record did not run twice
    assert HandlerRun.objects.filter(event_id=event.event_id).count() == 2
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (OutboxEvent.Status.DONE, 2, "")


def test_retry_delay_doubles_up_to_its_cap() -> None:
    with override_settings(OUTBOX_RETRY_BASE_SECONDS=10, OUTBOX_RETRY_CAP_SECONDS=60):
        delays = [retry_delay(attempts=n).total_seconds() for n in range(1, 7)]
    assert delays == [10, 20, 40, 60, 60, 60]


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_handler_failing_every_attempt_leaves_a_dead_event_until_it_is_replayed(now: datetime) -> None:
    events.publish("test.broken", {"n": 1})
    moment = now
    for _ in range(3):
        assert outbox_relay(now=moment) == 0
        moment += timedelta(hours=2)  # past any delay
    event = OutboxEvent.objects.get(name="test.broken")
    assert (event.status, event.attempts, event.next_attempt_at) == (OutboxEvent.Status.DEAD, 3, None)
    assert "downstream gone" in event.last_error

    assert outbox_relay(now=moment + timedelta(days=30)) == 0  # dead events are never taken again
    assert event.attempts == OutboxEvent.objects.get(pk=event.pk).attempts
    assert len(seen) == 1  # `record` ran on the first attempt only

    registry._handlers["test.broken"].pop(f"{broken.__module__}.{broken.__qualname__}")  # downstream mended
    assert outbox_events_replay(event_ids=[event.pk], now=moment) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.next_attempt_at) == (OutboxEvent.Status.PENDING, 0, moment)
    assert outbox_relay(now=moment) == 1
    assert OutboxEvent.objects.get(pk=event.pk).status == OutboxEvent.Status.DONE
    assert len(seen) == 1  # the handler that had succeeded did not run again


def test_replay_leaves_events_that_are_not_dead_alone(now: datetime) -> None:
    events.publish("test.happened", {"n": 1})
    fail_next.append(True)
    events.publish("test.flaky", {"n": 2})
    outbox_relay(now=now)
    done, pending = OutboxEvent.objects.order_by("id")
    assert (done.status, pending.status) == (OutboxEvent.Status.DONE, OutboxEvent.Status.PENDING)
    due_at = pending.next_attempt_at
    assert outbox_events_replay(event_ids=[done.pk, pending.pk], now=now) == 0
    pending.refresh_from_db()
    assert (pending.attempts, pending.next_attempt_at) == (1, due_at)
    assert OutboxEvent.objects.get(pk=done.pk).status == OutboxEvent.Status.DONE


def test_an_event_leased_by_a_relay_that_died_waits_for_the_lease_to_end(now: datetime) -> None:
    events.publish("test.happened", {"n": 1})
    OutboxEvent.objects.update(locked_until=now + timedelta(minutes=5))  # a relay took it, then died
    assert outbox_relay(now=now) == 0
    assert seen == []
    assert outbox_relay(now=now + timedelta(minutes=5, seconds=1)) == 1
    assert len(seen) == 1


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


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_metrics_count_dead_events_apart_from_pending_ones(client: Any, now: datetime) -> None:
    events.publish("test.happened", {"n": 1})
    events.publish("test.broken", {"n": 2})
    moment = now
    for _ in range(3):
        outbox_relay(now=moment)
        moment += timedelta(hours=2)
    events.publish("test.happened", {"n": 3})  # not relayed yet
    text = client.get("/metrics").content.decode()
    assert "bankcore_outbox_pending 1.0" in text
    assert "bankcore_outbox_dead 1.0" in text
