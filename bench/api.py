"""Partner API throughput: internal payments created over HTTP through gunicorn, Idempotency-Key on each.

Eight partners, each acting for its own business customer, each driven by one client thread
(http.client, one kept-alive connection) that POSTs ``/api/v1/payments/`` in a loop with a fresh
key: token check, throttle, idempotency claim and answer, validation, the whole payment service
(VoP, SCA exemption, KYC limits, fraud and screening, the ledger booking, events) and the JSON
answer. gunicorn runs WORKERS sync workers on the group's own scratch database. The baseline is
the ledger group's ``transfer_tps`` (8 processes, independent accounts) in the same database,
measured right before: the API cannot be faster than the booking under it. Also reports the
99th-percentile latency of a create. BENCH_SECONDS sets each timed run (default 12 s).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from bench import ledger as ledger_bench
from bench.result import emit
from bench.scratch import postgres_url, scratch_database

CLIENTS = 8
GUNICORN_WORKERS = 4
WARM_UP_SECONDS = 3.0
ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str) -> int:
    sys.stderr.write(f"bench api: {message}\n")
    return 2


def _gunicorn() -> str | None:
    beside = Path(sys.executable).with_name("gunicorn")
    return str(beside) if beside.exists() else shutil.which("gunicorn")


def run() -> int:
    url = postgres_url()
    gunicorn = _gunicorn()
    if not url or gunicorn is None:
        return _fail("needs DATABASE_URL=postgres://… (a user that may CREATE DATABASE) and gunicorn installed")
    seconds = float(os.environ.get("BENCH_SECONDS", "12"))
    with scratch_database("api") as scratch:
        clients = _partners()
        _, accounts = ledger_bench._open_accounts()
        ledger_bench._analyze()
        ledger_bench._parallel_tps(min(seconds, WARM_UP_SECONDS), accounts=accounts, hot=None)
        transfer_tps = ledger_bench._parallel_tps(seconds, accounts=accounts, hot=None)
        ledger_bench._analyze()
        with _server(gunicorn, urlunparse(urlparse(url)._replace(path=f"/{scratch}"))) as port:
            _drive(port, clients, WARM_UP_SECONDS)  # discarded: imports, plans, the sanctions index
            created, latencies = _drive(port, clients, seconds)
        rps = created / seconds
        emit("api.payment_create_rps", rps, "rps", baseline="ledger.transfer_tps", baseline_value=transfer_tps)
        latencies.sort()
        p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
        emit("api.payment_create_p99_ms", p99, "ms")
    return 0


def _partners() -> list[tuple[str, dict[str, Any]]]:
    """(bearer token, payment body) per client: a partner acting for its own funded customer."""
    from oauth2_provider.models import AccessToken, Application

    from apps.accounts.models import Account
    from apps.payments.models import Beneficiary
    from bankcore.api import services as partners
    from bench.payments import _customers

    rows = []
    for number, (customer_id, account_id, beneficiary_id, payee_name) in enumerate(_customers()):
        created = partners.partner_create(
            name=f"Bench partner {number}", scopes=["payments:read", "payments:write"], acting_for_id=customer_id
        )
        token = f"bench-{number}-{os.getpid()}-{time.monotonic_ns()}"
        AccessToken.objects.create(
            application=Application.objects.get(pk=created.application_id),
            token=token,
            scope="payments:read payments:write",
            expires=datetime.now(UTC) + timedelta(hours=1),
        )
        body = {
            "source_account": str(Account.objects.get(pk=account_id).pk),
            "amount": "12.34",
            "currency": "EUR",
            "creditor": {"name": payee_name, "iban": Beneficiary.objects.get(pk=beneficiary_id).iban},
            "reference": "Bench payout",
        }
        rows.append((token, body))
    return rows


class _server:
    """gunicorn on a free local port, serving the scratch database; stopped on exit."""

    def __init__(self, gunicorn: str, database_url: str) -> None:
        self.gunicorn = gunicorn
        self.database_url = database_url

    def __enter__(self) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # eager tasks, local cache
        env |= {
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "false",
            "API_THROTTLE_USER": "1000000/min",
            "LOG_LEVEL": "WARNING",  # a log line per task would be measured too
        }
        self.process = subprocess.Popen(  # our own executable, fixed arguments
            [self.gunicorn, "config.wsgi", "-c", "python:bench.api_gunicorn", "-w", str(GUNICORN_WORKERS),
             "-b", f"127.0.0.1:{port}", "-k", "sync", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health/")
                connection.getresponse().read()
                return port
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *_: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _drive(port: int, clients: list[tuple[str, dict[str, Any]]], seconds: float) -> tuple[int, list[float]]:
    """Each client POSTs in a loop for ``seconds``; returns the 201s and every request's latency."""
    start = threading.Barrier(len(clients))
    created: list[int] = []
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    run = time.monotonic_ns()

    def client(number: int, token: str, body: dict[str, Any]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        payload = json.dumps(body)
        mine: list[float] = []
        done = 0
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{run}-{number}-{len(mine)}",
            }
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/payments/", payload, headers)
                response = connection.getresponse()
                answer = response.read()
            except OSError as exc:  # counted as a failure, never a silent dead thread
                failures.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            mine.append(time.perf_counter() - began)
            if response.status == 201:
                done += 1
            else:
                failures.append(f"{response.status} {answer[:200]!r}")
        connection.close()
        with lock:
            created.append(done)
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n, *c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.stderr.write(f"bench api: {len(failures)} creates failed (not counted): " + "; ".join(failures[:3]) + "\n")
    return sum(created), latencies
