"""Payments throughput on PostgreSQL: internal payments through ``payment_initiate`` with every check on.

Each of 8 client processes pays, in a loop, from its own customer's account to another
customer of the bank: validation, verification of payee (the holder's name, this bank's IBAN),
the SCA exemption applied by the kernel's per-payer counters (a trusted beneficiary), KYC limits
checked and recorded, the fraud decision and counterparty screening, the ledger booking, the
timeline, the events and the customers' notifications. The baseline is pgbench's TPC-B-like
transaction (prepared statements, 8 clients, scale 10) in the same scratch database, measured
warm right before, as the ledger group does. BENCH_SECONDS sets each timed run (default 15 s).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import urlparse

from bench import payments_bulk
from bench.pgbench import pgbench_tps, run_pgbench
from bench.result import emit
from bench.scratch import scratch_database

WORKERS = 8
WARM_UP_SECONDS = 5.0
OPENED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _fail(message: str) -> int:
    sys.stderr.write(f"bench payments: {message}\n")
    return 2


def run() -> int:
    url = os.environ.get("DATABASE_URL", "")
    pgbench = shutil.which("pgbench") or ("/usr/bin/pgbench" if os.path.exists("/usr/bin/pgbench") else None)
    if not url.startswith(("postgres://", "postgresql://")) or pgbench is None:
        return _fail("needs DATABASE_URL=postgres://… (a user that may CREATE DATABASE) and pgbench on PATH")
    seconds = float(os.environ.get("BENCH_SECONDS", "15"))
    server = urlparse(url)
    with scratch_database("payments") as scratch:
        payers = _customers()
        _warm()
        _analyze()
        warm_up = min(seconds, WARM_UP_SECONDS)
        _parallel_tps(warm_up, payers)  # discarded: caches, plans, the sanctions index
        _analyze()
        run_pgbench(pgbench, server, scratch, ["-i", "-q", "-s", "10"])
        pgbench_tps(pgbench, server, scratch, seconds=warm_up, clients=WORKERS)
        _analyze()
        tpcb = pgbench_tps(pgbench, server, scratch, seconds=seconds, clients=WORKERS)
        tps = _parallel_tps(seconds, payers)
        emit("payments.internal_tps", tps, "tps", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)
        payments_bulk.bulk_10k()
    return 0


def _warm() -> None:
    """Load the sanctions index and the name analysers once, before the clients fork (shared copy-on-write)."""
    from apps.fraud import interface as fraud

    fraud.screen_name("Warm Up Name")
    fraud.name_similarity("Warm Up", "Warm Upp")


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _customers() -> list[tuple[int, int, int, str]]:
    """(customer id, account id, trusted beneficiary id of its payee, payee name) per worker."""
    from apps.accounts.models import Account
    from apps.accounts.services import opening, products
    from apps.kyc import services as kyc_services
    from apps.kyc.models import CustomerKyc
    from apps.payments.models import Beneficiary
    from bankcore.ledger import services as ledger
    from bankcore.money import Money
    from bankcore.users.models import User

    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    funding = ledger.account_open(name="bench funding", currency="EUR", allow_negative=True)
    people = []
    for n in range(2 * WORKERS):
        user = User.objects.create_user(
            email=f"bench{n}-{os.getpid()}@example.test", password=None, full_name=f"Bench Customer {n}"
        )
        CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=OPENED_AT)
        account_id = opening.account_open_for_customer(
            customer_id=user.pk, product_code="current", currency="EUR", now=OPENED_AT
        )
        account = Account.objects.get(pk=account_id)
        ledger.transfer(
            from_account_id=funding, to_account_id=account.ledger_account_id,
            amount=Money.of("10000000.00", "EUR"), idempotency_key=f"bench-fund-{n}-{os.getpid()}",
        )  # fmt: skip
        people.append((user, account))
    rows = []
    # Each client pays its own payee (another customer of the bank): independent customers, as
    # most payments are; the hot-account case is the ledger group's.
    for n, (user, account) in enumerate(people[:WORKERS]):
        payee_user, payee_account = people[WORKERS + n]
        beneficiary = Beneficiary.objects.create(
            customer=user, name=payee_user.full_name, iban=payee_account.iban, trusted=True, trusted_at=OPENED_AT,
            created_at=OPENED_AT, updated_at=OPENED_AT,
        )  # fmt: skip
        rows.append((user.pk, account.pk, beneficiary.pk, payee_user.full_name))
    return rows


def _worker(number: int, payer: tuple[int, int, int, str], seconds: float, start: Barrier, results: Any) -> None:
    from django.db import connection
    from django.utils import timezone

    from apps.payments.services import initiate
    from bankcore.money import Money

    customer_id, account_id, beneficiary_id, _ = payer
    rng = random.Random(number)
    connection.ensure_connection()
    run = f"{os.getpid()}-{time.monotonic_ns()}"
    done = refused = 0
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        view = initiate.payment_initiate(
            customer_id=customer_id, source_account_id=account_id, amount=Money(rng.randint(100, 5_000), "EUR"),
            creditor_name="", creditor_iban="", beneficiary_id=beneficiary_id, reference="Bench",
            idempotency_key=f"bench-{run}-{done + refused}", now=timezone.now(),
        )  # fmt: skip
        if view.status == "settled":
            done += 1
        else:
            refused += 1
    connection.close()
    results.put((done, refused))


def _parallel_tps(seconds: float, payers: list[tuple[int, int, int, str]]) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(n, payers[n], seconds, start, results)) for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes: list[tuple[int, int]] = [results.get(timeout=seconds + 900) for _ in workers]
    for worker in workers:
        worker.join()
    paid = sum(d for d, _ in outcomes)
    refused = sum(r for _, r in outcomes)
    if refused:
        sys.stderr.write(f"bench payments: {refused} payments not settled (not counted)\n")
    return paid / seconds
