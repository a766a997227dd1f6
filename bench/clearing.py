"""Settlement: 10,000 external payments from accepted to settled through the real worker and the simulator.

Runs in a scratch database of its own. With ``REDIS_URL`` set, a real Celery worker (queue
``settlement``, solo pool) started on that database does the work: one ``settlement_cycle``
task (pacs.008 files written, payments submitted), one ``clearing_simulate`` (the clearing
house answers with pacs.002) and one ``clearing_ingest`` (holds captured, payments settled),
each sent through Redis and awaited. Without Redis the same three steps run inline and the line
says so. The target is under 60 s for the whole way; figures are in docs/BENCHMARKS.md
("Clearing").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.result import emit
from bench.scratch import postgres_url, scratch_database

COUNT = int(os.environ.get("BENCH_SETTLEMENT_COUNT", "10000"))
ACCOUNTS = 20
ROOT = Path(__file__).resolve().parents[1]


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bankcore-bench-clearing-") as folder, scratch_database("clearing") as name:
        settings.CLEARING_DIR = Path(folder)
        _run(name=name, clearing_dir=Path(folder))


def _accepted_payments() -> list[int]:
    from apps.accounts.services import opening, products
    from apps.kyc import services as kyc_services
    from apps.kyc.models import CustomerKyc
    from apps.payments.models import Payment, PaymentKind, PaymentStatus
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import LedgerAccount
    from bankcore.money import Money
    from bankcore.users.models import User

    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    now = timezone.now()
    funding = ledger.account_open(
        name="bench funding", currency="EUR", allow_negative=True, kind=LedgerAccount.Kind.INTERNAL
    )
    accounts = []
    for n in range(ACCOUNTS):
        user = User.objects.create_user(email=f"bench-payer{n}@bench.test", password=None, full_name=f"Payer {n}")
        CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=now)
        from apps.accounts.models import Account

        account = Account.objects.get(
            pk=opening.account_open_for_customer(customer_id=user.pk, product_code="current", currency="EUR", now=now)
        )
        ledger.transfer(
            from_account_id=funding, to_account_id=account.ledger_account_id, amount=Money.of("1000000.00", "EUR"),
            idempotency_key=f"bench-fund:{n}",
        )  # fmt: skip
        accounts.append(account)
    payments = []
    for n in range(COUNT):
        account = accounts[n % ACCOUNTS]
        key = uuid.uuid4().hex
        amount = Money(100 + n % 5000, "EUR")
        hold_id = ledger.hold_create(
            account_id=account.ledger_account_id, amount=amount, idempotency_key=f"bench-hold:{key}",
            expires_at=now + timedelta(days=30), now=now,
        )  # fmt: skip
        payments.append(
            Payment(
                customer_id=account.customer_id, source_account_id=account.pk,
                source_ledger_account_id=account.ledger_account_id, debtor_name=f"Payer {n % ACCOUNTS}",
                debtor_iban=account.iban, debtor_bic=account.bic, amount_minor=amount.minor, currency="EUR",
                creditor_name=f"Creditor {n}", creditor_iban="FR1420041010050500013M02606", reference=f"Invoice {n}",
                end_to_end_id=f"E2E-{n}", tx_id=f"TX{key[:30]}", kind=PaymentKind.SEPA, execution_date=now.date(),
                status=PaymentStatus.ACCEPTED, hold_id=hold_id, idempotency_key=key, request_fingerprint=key,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    Payment.objects.bulk_create(payments, batch_size=2000)
    return [p.pk for p in payments]


def _worker(*, name: str, clearing_dir: Path) -> subprocess.Popen[bytes] | None:
    if not settings.REDIS_URL or not postgres_url():
        return None
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{name}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": url,
        "CLEARING_DIR": str(clearing_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", "settlement",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def _run(*, name: str, clearing_dir: Path) -> None:
    from apps.payments import clearing_tasks
    from apps.payments.models import Payment, PaymentStatus
    from config.celery import app

    ids = _accepted_payments()
    worker = _worker(name=name, clearing_dir=clearing_dir)
    where = "worker" if worker is not None else "inline"
    try:
        if worker is not None:
            app.conf.task_always_eager = False
            app.control.purge()
            # Warm: the worker is up and connected (the inbox is empty, so nothing changes).
            clearing_tasks.clearing_ingest.apply_async().get(timeout=600)
        steps: dict[str, float] = {}
        started = time.perf_counter()
        for step in (clearing_tasks.settlement_cycle, clearing_tasks.clearing_simulate, clearing_tasks.clearing_ingest):
            begun = time.perf_counter()
            if worker is not None:
                step.apply_async().get(timeout=600)
            else:
                step()
            steps[step.name.rsplit(".", 1)[-1]] = time.perf_counter() - begun
        total = time.perf_counter() - started
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    settled = Payment.objects.filter(pk__in=ids, status=PaymentStatus.SETTLED).count()
    if settled != len(ids):
        sys.stderr.write(f"bench clearing: only {settled} of {len(ids)} payments settled\n")
        raise SystemExit(1)
    emit(f"payments.settlement_s[{where}]" if where != "worker" else "payments.settlement_s", total, "s")
    for step_name, seconds in steps.items():
        emit(f"payments.settlement_s.{step_name}", seconds, "s")
