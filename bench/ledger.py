"""Ledger throughput and read latency on PostgreSQL, each against references measured in the same run.

Needs DATABASE_URL=postgres://… (a user that may CREATE DATABASE) and pgbench. Everything runs
in a scratch database created here and dropped at the end. BENCH_SECONDS sets each timed run
(default 10 s); every figure and its baselines get the same duration, one right after the other.

Two kinds of baseline, both driven by pgbench with prepared statements as the ledger's calls are:
- pgbench's own TPC-B-like transaction (the `baseline` of the historic lines);
- a plain-SQL reference (the `*_vs_sql` lines): one statement doing a transfer's work on tables
  shaped like the ledger's, with no function, no trigger and no Python in the way.
Each side is measured warm: a discarded warm-up run, then ANALYZE, then the timed run. The first
runs on the fresh database (no statistics, nothing vacuumed) are printed on their own as `*_cold`.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import urlparse

from bench.ledger_sql import SqlReference
from bench.pgbench import pgbench_tps, run_pgbench
from bench.result import emit
from bench.scratch import admin_sql

WORKERS = 8
ACCOUNTS = 10_000
HISTORY_POSTINGS = 1_000_000
BATCH_SIZE = 1_000
OPENING_MINOR = 1_000_000_000
# Each side's discarded first run; shorter than a timed run, long enough to fill caches and plans.
WARM_UP_SECONDS = 5.0


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
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
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
    from django.db import connection

    settings.DEBUG = False  # no query log: it would measure itself
    warm_up = min(seconds, WARM_UP_SECONDS)
    # A new bank has no statistics and nothing vacuumed: each first run on a database of its own.
    with _fresh_ledger(server, f"{scratch}_cold") as (_, accounts):
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('synchronous_commit')")
            version, shared_buffers, synchronous_commit = cursor.fetchone()
        sys.stderr.write(
            f"bench ledger: {version.split(' on ')[0]}, shared_buffers={shared_buffers}, "
            f"synchronous_commit={synchronous_commit}, {os.cpu_count()} CPUs, {seconds:g} s per run\n"
        )
        cold = _parallel_tps(seconds, accounts=accounts, hot=None)
    with _fresh_ledger(server, f"{scratch}_cold_hot") as (_, accounts):
        cold_hot = _parallel_tps(seconds, accounts=accounts, hot=accounts[0])

    with _fresh_ledger(server, scratch, create=False) as (bank, accounts):
        hot = accounts[0]
        _parallel_tps(warm_up, accounts=accounts, hot=None)  # the ledger's warm-up, discarded
        _analyze()
        sql = SqlReference(pgbench, server, scratch, accounts, clients=WORKERS, batch_size=BATCH_SIZE)
        run_pgbench(pgbench, server, scratch, ["-i", "-q", "-s", "10"])
        tpcb = _pgbench_warm_tps(pgbench, server, scratch, seconds, warm_up)
        tps = _parallel_tps(seconds, accounts=accounts, hot=None)
        emit("ledger.transfer_tps", tps, "tps", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)
        emit("ledger.transfer_tps_cold", cold, "tps", baseline="ledger.transfer_tps", baseline_value=tps)
        sql.run(warm_up)  # the reference's tables get their warm-up and ANALYZE too
        _analyze()
        sql_tps = sql.run(seconds)
        emit("ledger.transfer_tps_vs_sql", tps, "tps", baseline="sql.transfer_cte_c8", baseline_value=sql_tps)

        _batch_tps(warm_up, accounts)
        _analyze()
        batch = _batch_tps(seconds, accounts)
        emit("ledger.batch_tps", batch, "transfers/s", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)
        sql.run(warm_up, batch=True)
        _analyze()
        sql_batch = sql.run(seconds, batch=True)
        emit("ledger.batch_tps_vs_sql", batch, "transfers/s", baseline="sql.batch_cte_c1", baseline_value=sql_batch)

        run_pgbench(pgbench, server, scratch, ["-i", "-q", "-s", "1"])
        tpcb_hot = _pgbench_warm_tps(pgbench, server, scratch, seconds, warm_up)
        hot_tps = _parallel_tps(seconds, accounts=accounts, hot=hot)
        emit("ledger.hot_account_tps", hot_tps, "tps", baseline="pgbench.tpcb_like_s1_c8", baseline_value=tpcb_hot)
        emit("ledger.hot_account_tps_cold", cold_hot, "tps", baseline="ledger.hot_account_tps", baseline_value=hot_tps)
        sql_hot = sql.run(seconds, hot=True)
        emit("ledger.hot_account_tps_vs_sql", hot_tps, "tps", baseline="sql.hot_row_cte_c8", baseline_value=sql_hot)
        sql.check()

        account = _build_history(bank)
        _read_benchmarks(account)
    return 0


@contextmanager
def _fresh_ledger(server: Any, name: str, *, create: bool = True) -> Iterator[tuple[int, list[int]]]:
    """Point Django at a newly migrated database with the bench's funded accounts; drop it after."""
    from django.core.management import call_command
    from django.db import connections

    if create:
        admin_sql(server, f'CREATE DATABASE "{name}"')
    original = connections.settings["default"]["NAME"]
    connections.close_all()
    connections.settings["default"]["NAME"] = name
    try:
        call_command("migrate", "ledger", verbosity=0)
        yield _open_accounts()
    finally:
        connections.close_all()
        connections.settings["default"]["NAME"] = original
        if create:
            admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
    # No ANALYZE here: the first runs measure a new bank, which has no statistics yet.
    return bank, accounts


def _pgbench_warm_tps(pgbench: str, server: Any, database: str, seconds: float, warm_up: float) -> float:
    """TPC-B-like in the state the ledger is measured in: a discarded run, then ANALYZE."""
    pgbench_tps(pgbench, server, database, seconds=warm_up, clients=WORKERS)
    _analyze()
    return pgbench_tps(pgbench, server, database, seconds=seconds, clients=WORKERS)


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
