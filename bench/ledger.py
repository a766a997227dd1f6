"""Ledger throughput and read latency on PostgreSQL, each against pgbench measured in the same run.

Needs DATABASE_URL=postgres://… (a user that may CREATE DATABASE) and pgbench. Everything runs
in a scratch database created here and dropped at the end. BENCH_SECONDS sets each timed run
(default 15 s); pgbench and the ledger get the same duration, one right after the other.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import unquote, urlparse

from bench.result import emit
from bench.scratch import admin_sql

WORKERS = 8
ACCOUNTS = 10_000
HISTORY_POSTINGS = 1_000_000
BATCH_SIZE = 1_000
OPENING_MINOR = 1_000_000_000


def _fail(message: str) -> int:
    sys.stderr.write(f"bench ledger: {message}\n")
    return 2


def run() -> int:
    url = os.environ.get("DATABASE_URL", "")
    pgbench = shutil.which("pgbench") or ("/usr/bin/pgbench" if os.path.exists("/usr/bin/pgbench") else None)
    missing = []
    if not url.startswith(("postgres://", "postgresql://")):
        missing.append(
            "DATABASE_URL=postgres://USER@HOST:PORT/DB (PostgreSQL; the user must be allowed to CREATE DATABASE)"
        )
    if pgbench is None:
        missing.append("pgbench on PATH (Debian: apt-get install postgresql-client)")
    if missing:
        return _fail("missing " + "; ".join(missing))
    assert pgbench is not None
    seconds = float(os.environ.get("BENCH_SECONDS", "15"))
    server = urlparse(url)
    scratch = f"bankcore_bench_{os.getpid()}"
    try:
        admin_sql(server, f'CREATE DATABASE "{scratch}"')
    except Exception as exc:
        return _fail(f"cannot create the scratch database on {server.hostname}: {exc}")
    try:
        return _run_in(scratch, server, pgbench, seconds)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _run_in(scratch: str, server: Any, pgbench: str, seconds: float) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    settings.DEBUG = False  # no query log: it would measure itself
    connections.close_all()
    connections.settings["default"]["NAME"] = scratch
    call_command("migrate", "ledger", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('synchronous_commit')")
        version, shared_buffers, synchronous_commit = cursor.fetchone()
    sys.stderr.write(
        f"bench ledger: {version.split(' on ')[0]}, shared_buffers={shared_buffers}, "
        f"synchronous_commit={synchronous_commit}, {os.cpu_count()} CPUs, {seconds:g} s per run\n"
    )
    bank, accounts = _open_accounts()

    _pgbench(pgbench, server, scratch, ["-i", "-q", "-s", "10"])
    tpcb = _pgbench_tps(pgbench, server, scratch, seconds)
    tps = _parallel_tps(seconds, accounts=accounts, hot=None)
    emit("ledger.transfer_tps", tps, "tps", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)

    batch = _batch_tps(seconds, accounts)
    emit("ledger.batch_tps", batch, "transfers/s", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)

    _pgbench(pgbench, server, scratch, ["-i", "-q", "-s", "1"])
    tpcb_hot = _pgbench_tps(pgbench, server, scratch, seconds)
    hot_tps = _parallel_tps(seconds, accounts=accounts, hot=accounts[0])
    emit("ledger.hot_account_tps", hot_tps, "tps", baseline="pgbench.tpcb_like_s1_c8", baseline_value=tpcb_hot)

    account = _build_history(bank)
    _read_benchmarks(account)
    return 0


# --- set-up -------------------------------------------------------------------------------------


def _open_accounts() -> tuple[int, list[int]]:
    from django.db import connection

    from bankcore.ledger import services as ledger
    from bankcore.ledger.values import TransferRequest
    from bankcore.money import Money

    bank = ledger.account_open(name="Bench funding", currency="EUR", allow_negative=True, kind="internal")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_ledgeraccount (name, currency, kind, normal_side, allow_negative,"
            " overdraft_limit_minor, status, balance_minor, held_minor, created_at)"
            " SELECT 'Bench customer ' || g, 'EUR', 'customer', 'credit', false, 0, 'open', 0, 0, now()"
            " FROM generate_series(1, %s) AS g RETURNING id",
            [ACCOUNTS],
        )
        accounts = sorted(row[0] for row in cursor.fetchall())
    # Opening balances go through the service: real, balanced entries.
    for start in range(0, len(accounts), BATCH_SIZE):
        results = ledger.post_batch(
            transfers=[
                TransferRequest(bank, account, Money(OPENING_MINOR, "EUR"), f"open-{account}")
                for account in accounts[start : start + BATCH_SIZE]
            ]
        )
        assert all(result.posted for result in results)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return bank, accounts


def _pgbench(pgbench: str, server: Any, database: str, args: list[str]) -> str:
    env = dict(os.environ, PGPASSWORD=unquote(server.password or ""))
    command = [
        pgbench,
        "-h",
        server.hostname or "127.0.0.1",  # TCP, like the ledger's clients
        "-p",
        str(server.port or 5432),
        "-U",
        unquote(server.username or "postgres"),
        *args,
        database,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _pgbench_tps(pgbench: str, server: Any, database: str, seconds: float) -> float:
    out = _pgbench(pgbench, server, database, ["-c", str(WORKERS), "-j", "2", "-T", str(int(seconds))])
    match = re.search(r"tps = ([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"no tps in pgbench output: {out}")
    return float(match.group(1))


# --- concurrent transfers -----------------------------------------------------------------------


def _transfer_worker(
    number: int, accounts: list[int], hot: int | None, seconds: float, start: Barrier, results: Any
) -> None:
    from django.db import connection

    from bankcore.ledger import services as ledger
    from bankcore.money import Money

    rng = random.Random(number)
    sources = [account for account in accounts if account != hot]  # once: a copy per transfer would be measured
    connection.ensure_connection()
    run = f"{os.getpid()}-{time.monotonic_ns()}"
    posted = refused = 0
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if hot is None:
            source, target = rng.sample(accounts, 2)
        else:
            source, target = rng.choice(sources), hot
        try:
            ledger.transfer(
                from_account_id=source,
                to_account_id=target,
                amount=Money(rng.randint(1, 10_000), "EUR"),
                idempotency_key=f"w{run}-{posted + refused}",
            )
            posted += 1
        except ledger.LedgerError:
            refused += 1
    connection.close()
    results.put((posted, refused))


def _parallel_tps(seconds: float, *, accounts: list[int], hot: int | None) -> float:
    """Transfers per second from WORKERS processes (processes, so the GIL does not measure itself)."""
    from django.db import connections

    connections.close_all()  # children must not share the parent's socket
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=_transfer_worker, args=(n, accounts, hot, seconds, start, results))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[tuple[int, int]] = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    posted = sum(p for p, _ in outcomes)
    refused = sum(r for _, r in outcomes)
    if refused:
        sys.stderr.write(f"bench ledger: {refused} transfers refused (not counted)\n")
    return posted / seconds


def _batch_tps(seconds: float, accounts: list[int]) -> float:
    from bankcore.ledger import services as ledger
    from bankcore.ledger.values import TransferRequest
    from bankcore.money import Money

    rng = random.Random(7)
    posted = 0
    run = time.monotonic_ns()
    batches = 0
    begin = time.perf_counter()
    while time.perf_counter() - begin < seconds:
        requests = []
        for n in range(BATCH_SIZE):
            source, target = rng.sample(accounts, 2)
            requests.append(
                TransferRequest(source, target, Money(rng.randint(1, 10_000), "EUR"), f"b{run}-{batches}-{n}")
            )
        posted += sum(result.posted for result in ledger.post_batch(transfers=requests))
        batches += 1
    return posted / (time.perf_counter() - begin)


# --- reads on a long history --------------------------------------------------------------------


def _build_history(bank: int) -> int:
    """An account with a million postings, written set-based in a few statements.

    Each entry moves (g % 997) + 1 cents from the counterparty to the account; the running
    balance is a window sum, so every posting's balance after is right and every entry balances.
    The commit-time checks and foreign-key triggers are switched off for the load (they would run
    per posting) and the result is proven by reconcile afterwards instead.
    """
    from django.db import connection, transaction

    from bankcore.ledger import selectors as ledger_read
    from bankcore.ledger import services as ledger

    account = ledger.account_open(name="Long history", currency="EUR")
    counterparty = ledger.account_open(
        name="History counterparty", currency="EUR", allow_negative=True, kind="internal"
    )
    began = time.perf_counter()
    start_at = datetime(2020, 1, 1, tzinfo=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        # ALL includes the foreign-key checks (two per posting); needs a superuser, like CREATE DATABASE here.
        cursor.execute("ALTER TABLE ledger_posting DISABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ALL")
        cursor.execute("SELECT COALESCE(max(id), 0) FROM ledger_entry")
        base = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_entry (id, idempotency_key, kind, description, metadata, fingerprint, created_at)"
            " SELECT %s + g, 'history-' || g, 'transfer', 'history', '{}'::jsonb, '', %s + g * interval '1 second'"
            " FROM generate_series(1, %s) AS g",
            [base, start_at, HISTORY_POSTINGS],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), (SELECT max(id) FROM ledger_entry))"
        )
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)"
            " SELECT %s + s.g, v.account, v.amount, 'EUR', v.after, s.at"
            " FROM (SELECT g, (g %% 997) + 1 AS cents, sum((g %% 997) + 1) OVER (ORDER BY g) AS running,"
            "              %s + g * interval '1 second' AS at"
            "       FROM generate_series(1, %s) AS g) AS s"
            " CROSS JOIN LATERAL (VALUES (%s::bigint, s.cents, -s.running), (%s::bigint, -s.cents, s.running))"
            "   AS v(account, amount, after)"
            " ORDER BY s.g",
            [base, start_at, HISTORY_POSTINGS, counterparty, account],
        )
        cursor.execute(
            "UPDATE ledger_ledgeraccount a SET balance_minor = t.total * (CASE WHEN a.id = %s THEN 1 ELSE -1 END)"
            " FROM (SELECT sum((g %% 997) + 1) AS total FROM generate_series(1, %s) AS g) AS t"
            " WHERE a.id IN (%s, %s)",
            [account, HISTORY_POSTINGS, account, counterparty],
        )
        cursor.execute("ALTER TABLE ledger_posting ENABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE ledger_entry ENABLE TRIGGER ALL")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_posting")
        cursor.execute("VACUUM ANALYZE ledger_entry")
    built = time.perf_counter() - began
    report = ledger_read.reconcile()
    if not report.clean:
        raise RuntimeError(f"the history build is not consistent: {report.drifts[:5]}")
    sys.stderr.write(
        f"bench ledger: built {HISTORY_POSTINGS:,} postings in {built:.1f} s;"
        f" reconcile of {report.postings:,} postings clean in {time.perf_counter() - began - built:.1f} s\n"
    )
    assert ledger_read.balance(account_id=bank).minor < 0
    return account


def _median_ms(operation: Callable[[], object], repeat: int) -> float:
    for _ in range(10):
        operation()  # warm: connection, plan caches
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - began) * 1000)
    return float(statistics.median(samples))


def _read_benchmarks(account: int) -> None:
    from bankcore.ledger import selectors as ledger_read
    from bankcore.ledger.models import Posting

    emit("ledger.balance_read_ms", _median_ms(lambda: ledger_read.balance(account_id=account), 2000), "ms")
    newest = _median_ms(lambda: ledger_read.posting_list(account_id=account, limit=50), 300)
    emit("ledger.statement_page_ms", newest, "ms")
    ids = Posting.objects.filter(account_id=account).order_by("id").values_list("id", flat=True)
    middle = ids[HISTORY_POSTINGS // 2]
    page = ledger_read.posting_list(account_id=account, before=middle, limit=50)
    assert len(page.items) == 50
    deep = _median_ms(lambda: ledger_read.posting_list(account_id=account, before=middle, limit=50), 300)
    emit("ledger.statement_page_deep_ms", deep, "ms")
