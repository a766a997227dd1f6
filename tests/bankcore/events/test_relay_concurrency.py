"""Relays in parallel on real Postgres: no handler runs twice, and a slow one holds up nobody."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from bankcore import events
from bankcore.events import registry
from bankcore.events.models import HandlerRun, OutboxEvent
from bankcore.events.services import conf, outbox_relay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds before a test gives up on a thread it is waiting for (a hang, not a speed goal)

runs: Counter[tuple[str, str]] = Counter()
slow_started = threading.Event()
slow_release = threading.Event()


def counted(event_id: str, payload: dict[str, Any]) -> None:
    runs[(event_id, "counted")] += 1


def also_counted(event_id: str, payload: dict[str, Any]) -> None:
    runs[(event_id, "also_counted")] += 1


def slow(event_id: str, payload: dict[str, Any]) -> None:
    runs[(event_id, "slow")] += 1
    slow_started.set()
    assert slow_release.wait(WAIT), "the test never released the slow handler"


@pytest.fixture(autouse=True)
def handlers() -> Iterator[None]:
    saved = dict(registry._handlers)
    runs.clear()
    slow_started.clear()
    slow_release.clear()
    events.subscribe("test.counted", counted)
    events.subscribe("test.counted", also_counted)
    events.subscribe("test.slow", slow)
    yield
    slow_release.set()
    registry._handlers.clear()
    registry._handlers.update(saved)


def in_thread(target: Callable[[], int]) -> tuple[threading.Thread, list[int], list[BaseException]]:
    """Run ``target`` on its own connection; its result and any exception are kept for the test."""
    results: list[int] = []
    errors: list[BaseException] = []

    def body() -> None:
        try:
            results.append(target())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, results, errors


def join(thread: threading.Thread) -> None:
    thread.join(WAIT)
    assert not thread.is_alive(), "a relay hung"


def test_parallel_relays_run_each_handler_once_per_event(now: datetime) -> None:
    ids = [events.publish("test.counted", {"n": n}) for n in range(40)]
    barrier = threading.Barrier(4)

    def relay() -> int:
        barrier.wait()
        return outbox_relay(now=now, batch_size=1000)

    started = [in_thread(relay) for _ in range(4)]
    for thread, _, _ in started:
        join(thread)
    assert [error for _, _, errors in started for error in errors] == []
    assert sum(result for _, results, _ in started for result in results) == 40
    assert runs == Counter({(event_id, handler): 1 for event_id in ids for handler in ("counted", "also_counted")})
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.DONE).count() == 40
    assert HandlerRun.objects.count() == 80


def test_a_slow_handler_does_not_stop_another_relay_taking_other_events(now: datetime) -> None:
    slow_id = events.publish("test.slow", {})  # the oldest event: the first relay takes it first
    fast_ids = [events.publish("test.counted", {"n": n}) for n in range(3)]

    first, first_results, first_errors = in_thread(lambda: outbox_relay(now=now, batch_size=1))
    assert slow_started.wait(WAIT)

    # While the slow handler is still running, another relay takes and completes the rest.
    assert outbox_relay(now=now) == 3
    assert {event_id for event_id, _ in runs if event_id != slow_id} == set(fast_ids)
    assert OutboxEvent.objects.get(event_id=slow_id).status == OutboxEvent.Status.PENDING

    slow_release.set()
    join(first)
    assert (first_results, first_errors) == ([1], [])
    assert OutboxEvent.objects.get(event_id=slow_id).status == OutboxEvent.Status.DONE
    assert runs[(slow_id, "slow")] == 1


def test_a_relay_taking_over_an_expired_lease_does_not_run_the_handler_again(now: datetime) -> None:
    slow_id = events.publish("test.slow", {})
    first, first_results, first_errors = in_thread(lambda: outbox_relay(now=now))
    assert slow_started.wait(WAIT)

    # The slow handler outlives its lease: a second relay takes the event over and reaches the
    # same handler, where it must wait for the first one's outcome instead of running it too.
    after_lease = now + timedelta(seconds=conf("OUTBOX_LEASE_SECONDS") + 1)
    second, second_results, second_errors = in_thread(lambda: outbox_relay(now=after_lease))
    wait_for_a_blocked_backend()
    slow_release.set()
    join(first)
    join(second)

    assert (first_errors, second_errors) == ([], [])
    assert runs[(slow_id, "slow")] == 1
    assert HandlerRun.objects.filter(handler__endswith=".slow").count() == 1
    # The newer lease records the outcome; the run that lost its lease leaves it alone.
    assert (first_results, second_results) == ([0], [1])
    event = OutboxEvent.objects.get(event_id=slow_id)
    assert (event.status, event.processed_at, event.locked_by) == (OutboxEvent.Status.DONE, after_lease, None)


def wait_for_a_blocked_backend() -> None:
    """Until another connection waits on a row lock (the second relay inserting the same HandlerRun)."""
    for _ in range(WAIT * 10):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        threading.Event().wait(0.1)
    pytest.fail("the second relay never reached the handler the first one is running")
