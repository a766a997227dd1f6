"""Wallet P2P throughput through the service, fraud rules and KYC limits on, against pgbench.

``wallets.p2p_tps``: eight processes, each a business customer sending 1.00 EUR to one of 200
other customers through ``services.transfers.p2p_send`` (the partner API's path: the
secure-corporate exemption is counted, the starter fraud rules decide every send, ``wallet_out``
is recorded and the recipient's held limit checked under the locks). Baseline: pgbench's
TPC-B-like transaction, prepared, eight clients, on the same server in the same run (the ledger
bench's baseline code). Needs DATABASE_URL=postgres://… and pgbench; BENCH_SECONDS (default 15).
Figures and what they mean are in docs/BENCHMARKS.md ("Wallets").
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import time
from collections import Counter
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import urlparse

from bench.ledger import WORKERS, _analyze, _pgbench_warm_tps
from bench.pgbench import run_pgbench
from bench.result import emit
from bench.scratch import postgres_url, scratch_database

RECIPIENTS = 200
WARM_UP_SECONDS = 5.0


def run() -> int:
    pgbench = shutil.which("pgbench") or ("/usr/bin/pgbench" if os.path.exists("/usr/bin/pgbench") else None)
    if not postgres_url() or pgbench is None:
        sys.stderr.write("bench wallets: needs DATABASE_URL=postgres://… and pgbench on PATH\n")
        return 2
    seconds = float(os.environ.get("BENCH_SECONDS", "15"))
    with scratch_database("wallets") as name:
        senders, recipients = _setup()
        _analyze()
        warm = min(seconds, WARM_UP_SECONDS)
        _parallel(warm, senders, recipients)  # discarded: caches, plans, the rule set compiled
        _analyze()
        server = urlparse(postgres_url())
        run_pgbench(pgbench, server, name, ["-i", "-q", "-s", "10"])
        tpcb = _pgbench_warm_tps(pgbench, server, name, seconds, warm)
        tps, outcomes = _parallel(seconds, senders, recipients)
        sys.stderr.write(f"bench wallets: outcomes {dict(outcomes)}\n")
        emit("wallets.p2p_tps", tps, "tps", baseline="pgbench.tpcb_like_s10_c8", baseline_value=tpcb)
    return 0


def _setup() -> tuple[list[tuple[int, int]], list[str]]:
    from django.utils import timezone

    from apps.fraud.services import rules
    from apps.kyc import services as kyc
    from apps.kyc.models import CustomerKyc
    from apps.wallets.models import BankAccount
    from apps.wallets.services.wallets import bank_account, wallet_open
    from bankcore.ledger import services as ledger
    from bankcore.money import Money
    from bankcore.users.models import User

    now = timezone.now()
    kyc.tiers_defaults_ensure()
    rules.rules_defaults_ensure(now=now)
    clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency="EUR")

    def person(email: str) -> int:
        user = User.objects.create_user(email=email, password=None, full_name=email.split("@")[0])
        CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=now)
        return int(user.pk)

    senders = []
    for n in range(WORKERS):
        customer_id = person(f"business{n}@bench.test")
        wallet = wallet_open(customer_id=customer_id, currency="EUR", now=now)
        ledger.transfer(
            from_account_id=clearing, to_account_id=wallet.ledger_account_id, amount=Money.of("100000.00", "EUR"),
            idempotency_key=f"bench-fund-{n}",
        )  # fmt: skip
        senders.append((customer_id, wallet.pk))
    recipients = []
    for n in range(RECIPIENTS):
        email = f"person{n}@bench.test"
        wallet_open(customer_id=person(email), currency="EUR", now=now)
        recipients.append(email)
    return senders, recipients


def _worker(
    number: int, sender: tuple[int, int], recipients: list[str], seconds: float, start: Barrier, out: Any
) -> None:
    from django.db import connection
    from django.utils import timezone

    from apps.wallets.errors import WalletRefused
    from apps.wallets.services import transfers
    from bankcore.money import Money

    rng = random.Random(number)
    customer_id, wallet_id = sender
    amount = Money(100, "EUR")
    connection.ensure_connection()
    run = f"{os.getpid()}-{time.monotonic_ns()}"
    outcomes: Counter[str] = Counter()
    n = 0
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        n += 1
        try:
            result = transfers.p2p_send(
                customer_id=customer_id, source_wallet_id=wallet_id, address=rng.choice(recipients), amount=amount,
                note="bench", idempotency_key=f"{run}-{n}", now=timezone.now(), secure_corporate=True,
            )  # fmt: skip
            outcomes[result.status] += 1
        except WalletRefused as refused:
            outcomes[refused.code] += 1
    connection.close()
    out.put(dict(outcomes))


def _parallel(seconds: float, senders: list[tuple[int, int]], recipients: list[str]) -> tuple[float, Counter[str]]:
    """Sends per second that reached a decision (completed, held or rejected) from WORKERS processes."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(n, senders[n], recipients, seconds, start, results))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    total: Counter[str] = Counter()
    for _ in workers:
        total.update(results.get(timeout=seconds + 120))
    for worker in workers:
        worker.join()
    decided = total["completed"] + total["held_for_review"] + total["rejected"]
    return decided / seconds, total
