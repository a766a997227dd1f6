"""A real Celery worker process executes a task sent through Redis (CI runs this)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bankcore.observability.tasks import ping
from config.celery import app

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.worker


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
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
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_worker_runs_a_task_through_redis(worker: subprocess.Popen[bytes]) -> None:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = ping.apply_async(queue="default").get(timeout=60)
    finally:
        app.conf.task_always_eager = eager
    assert result["pong"] is True
    assert result["pid"] == worker.pid  # answered by the worker process, not run inline
