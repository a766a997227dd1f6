"""A real Celery worker process executes a task sent through Redis (CI runs this)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.db import connection

from bankcore import events
from bankcore.events.models import OutboxEvent
from bankcore.events.tasks import outbox_relay
from bankcore.observability.tasks import ping
from config.celery import app

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.worker


def database_url_of_test_db() -> str:
    """The worker must see the database the test writes to: pytest-django's test database."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        return os.environ.get("DATABASE_URL", "")
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url_of_test_db()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "default",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def not_eager() -> Iterator[None]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    # Eager tasks run in threads by earlier tests (three settlement cycles at once) can leave
    # Celery's process-wide "inside a task" flag set: its save-and-restore around each eager
    # run is not thread-safe. This test process waits on the real worker's results.
    with allow_join_result():
        yield
    app.conf.task_always_eager = eager


@pytest.mark.django_db
def test_worker_runs_a_task_through_redis(worker: subprocess.Popen[bytes], not_eager: None) -> None:
    result = ping.apply_async(queue="default").get(timeout=60)
    assert result["pong"] is True
    assert result["pid"] == worker.pid  # answered by the worker process, not run inline


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_relays_the_outbox_of_the_shared_database(worker: subprocess.Popen[bytes], not_eager: None) -> None:
    events.publish("smoke.tested", {"n": 1})
    assert outbox_relay.apply_async().get(timeout=60) == 1
    assert OutboxEvent.objects.get(name="smoke.tested").processed_at is not None
