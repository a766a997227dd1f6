"""Exactly once with a real Celery worker on Redis, killed with SIGKILL in the middle of a cycle.

The cycle writes one file per payment (``SETTLEMENT_FILE_MAX_TRANSACTIONS=1``) so that there is
a middle to kill it in; the test kills the worker once some files are out and others are only
decided, starts a new worker, and runs the cycle again, as beat would. Then the clearing house
answers, and ingest is killed the same way. Each payment must end with one submission, one
file, one capture.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.db import connection

from apps.payments import clearing_tasks
from apps.payments import iso20022 as iso
from apps.payments.models import Payment, PaymentEvent, PaymentStatus
from apps.payments.models.settlement import ClearingFile, Direction, FileStatus, PaymentSubmission
from bankcore.ledger.models import Entry, Hold
from config.celery import app
from tests.apps.payments.settlement_factories import accepted_payment, clearing_env, funded_account

__all__ = ["clearing_env"]
ROOT = Path(__file__).resolve().parents[3]
COUNT = 300
pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


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


@pytest.fixture
def start_worker(clearing_env: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url_of_test_db(),
        "CLEARING_DIR": str(clearing_env),
        "SETTLEMENT_FILE_MAX_TRANSACTIONS": "1",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
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
                "settlement",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        started.append(process)
        return process

    app.control.purge()  # nothing left over from an earlier run of this Redis db
    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], *, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the worker ended on its own"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_worker_killed_mid_cycle_and_mid_ingest_submits_and_settles_each_payment_once(
    clearing_env: Path, start_worker: Callable[[], subprocess.Popen[bytes]], not_eager: None
) -> None:
    account = funded_account(balance="100000.00")
    ids = [accepted_payment(account=account, amount="1.00").pk for _ in range(COUNT)]
    outbox = clearing_env / "outbox"

    worker = start_worker()
    clearing_tasks.settlement_cycle.apply_async()
    kill_when(worker, lambda: outbox.exists() and len(list(outbox.glob("*.xml"))) >= 10)
    written_at_kill = len(list(outbox.glob("*.xml")))
    decided = ClearingFile.objects.filter(direction=Direction.OUT, status=FileStatus.DECIDED).count()
    assert written_at_kill < COUNT, "killed after the cycle had finished"
    assert decided > 0, "killed after the cycle had finished"
    # Everything was decided before anything was written: no payment left without its file.
    assert PaymentSubmission.objects.count() == COUNT

    worker = start_worker()
    clearing_tasks.settlement_cycle.apply_async().get(timeout=300)
    files = sorted(outbox.glob("*.xml"))
    sent = [tx.tx_id for path in files for tx in iso.read(path.read_bytes()).transactions]
    assert len(files) == COUNT
    assert len(sent) == len(set(sent)) == COUNT
    assert set(Payment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {PaymentStatus.SUBMITTED}
    assert PaymentEvent.objects.filter(to_status=PaymentStatus.SUBMITTED).count() == COUNT

    clearing_tasks.clearing_simulate.apply_async().get(timeout=300)
    processed = clearing_env / "processed"
    clearing_tasks.clearing_ingest.apply_async()
    kill_when(worker, lambda: processed.exists() and len(list(processed.glob("*.xml"))) >= 10)
    assert Payment.objects.filter(status=PaymentStatus.SETTLED).count() < COUNT, "killed after ingest had finished"

    start_worker()
    clearing_tasks.clearing_ingest.apply_async().get(timeout=300)
    assert set(Payment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {PaymentStatus.SETTLED}
    assert Entry.objects.filter(kind=Entry.Kind.HOLD_CAPTURE).count() == COUNT
    assert Hold.objects.filter(status=Hold.Status.CAPTURED).count() == COUNT
    assert PaymentEvent.objects.filter(to_status=PaymentStatus.SETTLED).count() == COUNT
    assert list((clearing_env / "inbox").glob("*.xml")) == []
