"""Statements, interest and fees: a month's PDF of 10,000 lines, and one day of interest over
100,000 accounts.

Runs in a scratch database of its own (PostgreSQL when DATABASE_URL names one, else SQLite).
- ``accounts.statement_pdf_s``: the whole statement of an account with 10,000 postings in the
  month: reading them from the ledger (keyset pages) and drawing the PDF. Target < 5 s. Its
  baseline is the same statement as camt.053 (schema-validated XML), measured in the same run.
- ``accounts.interest_run_s``: ``interest_run`` for one (non-posting) day over 100,000 accounts,
  each with a funded ledger account: one bulk read of the end-of-day balances, the accruals in
  Python's Decimal, bulk inserts. Target < 60 s. Its baseline is a second run of the same day,
  which finds everything done (what idempotence costs).
Figures are in docs/BENCHMARKS.md ("Statements, interest and fees").
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta

from django.utils import timezone

from bankcore.money import Money
from bench.result import emit
from bench.scratch import scratch_database

LINES = 10_000
ACCOUNTS = 100_000
CUSTOMERS = 1_000
BATCH = 1_000


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def run() -> None:
    with scratch_database("statements"):
        _statement_pdf()
        _interest_run()


def _funding(currency: str = "EUR") -> int:
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import LedgerAccount

    return ledger.account_open(
        name="bench funding",
        currency=currency,
        allow_negative=True,
        kind=LedgerAccount.Kind.INTERNAL,
        normal_side=LedgerAccount.NormalSide.DEBIT,
    )


def _customer_ids(count: int, label: str) -> list[int]:
    from bankcore.users.models import User

    users = [User(email=f"{label}{n}@bench.test", full_name=f"Bench Customer {n}") for n in range(count)]
    User.objects.bulk_create(users, batch_size=5000)
    domain = User.objects.filter(email__startswith=label, email__endswith="@bench.test")
    return list(domain.order_by("id").values_list("id", flat=True))


def _statement_pdf() -> None:
    from apps.accounts import interest
    from apps.accounts.models import Account, Product
    from apps.accounts.statements import builder, jobs
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import LedgerAccount
    from bankcore.ledger.values import TransferRequest

    now = timezone.now()
    customer_id = _customer_ids(1, "statement")[0]
    ledger_id = ledger.account_open(name="bench statement", currency="EUR", overdraft_limit_minor=10**9)
    product = Product.objects.get(code="current")
    account = Account.objects.create(
        customer_id=customer_id, product=product, currency="EUR", number=1, iban="DE89370400440532013000",
        bic="BCORDEB1XXX", ledger_account_id=ledger_id, name="Bench current", opened_at=now - timedelta(days=40),
    )  # fmt: skip
    funding = _funding()
    for start in range(0, LINES, BATCH):
        requests = []
        for n in range(start, start + BATCH):
            amount = eur(1_000 + n % 977)
            if n % 3:
                requests.append(TransferRequest(funding, ledger_id, amount, f"bench:in:{n}", f"Incoming {n}"))
            else:
                requests.append(TransferRequest(ledger_id, funding, amount, f"bench:out:{n}", f"Card payment {n}"))
        results = ledger.post_batch(transfers=requests)
        assert all(r.posted for r in results), [r for r in results if not r.posted][:1]
    assert LedgerAccount.objects.get(pk=ledger_id).postings.count() == LINES
    today = interest.bank_date(timezone.now())
    first = today.replace(day=1)

    def once(fmt: str) -> float:
        began = time.perf_counter()
        statement = builder.statement_build(account_id=account.pk, from_date=first, to_date=today, now=timezone.now())
        content = jobs.statement_render(statement=statement, fmt=fmt)
        elapsed = time.perf_counter() - began
        assert len(statement.lines) == LINES
        assert content
        return elapsed

    once("pdf")  # warm: plans, caches, fonts
    pdf = statistics.median(once("pdf") for _ in range(3))
    camt = statistics.median(once("camt053") for _ in range(3))
    sys.stderr.write(f"statements: {LINES:,} lines: PDF {pdf:.3f} s, camt.053 {camt:.3f} s (median of 3)\n")
    emit("accounts.statement_pdf_s", pdf, "s", baseline="accounts.statement_camt053_s", baseline_value=camt)
    # Out of the interest run's way: it would catch up the 40 days this account has been open.
    Account.objects.filter(pk=account.pk).delete()


def _interest_run() -> None:
    from apps.accounts import interest
    from apps.accounts.models import Account, Product
    from apps.accounts.models.interest import InterestAccrual
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import LedgerAccount
    from bankcore.ledger.values import TransferRequest

    now = timezone.now()
    today = interest.bank_date(now)
    # A day that is no product's posting day: the figure is the daily accrual alone.
    Product.objects.update(interest_posting_day=28 if today.day != 28 else 27)
    customers = _customer_ids(CUSTOMERS, "interest")
    began = time.perf_counter()
    ledger_accounts = [
        LedgerAccount(name=f"bench interest {n}", currency="EUR", overdraft_limit_minor=100_000)
        for n in range(ACCOUNTS)
    ]
    LedgerAccount.objects.bulk_create(ledger_accounts, batch_size=5000)
    ledger_ids = list(
        LedgerAccount.objects.filter(name__startswith="bench interest ").order_by("id").values_list("id", flat=True)
    )
    funding = _funding()
    for start in range(0, ACCOUNTS, BATCH):
        requests = [
            TransferRequest(funding, ledger_ids[n], eur(10_000 + n * 37 % 5_000_000), f"bench:fund:{n}")
            for n in range(start, min(start + BATCH, ACCOUNTS))
        ]
        ledger.post_batch(transfers=requests)
    savings, current = Product.objects.get(code="savings"), Product.objects.get(code="current")
    opened = interest.day_start(today)
    Account.objects.bulk_create(
        [
            Account(
                customer_id=customers[n % CUSTOMERS], product=savings if n % 2 else current, currency="EUR",
                number=1_000_000 + n, iban=f"DE00BENCH{n:013d}", bic="BCORDEB1XXX", ledger_account_id=ledger_ids[n],
                name="Bench", opened_at=opened,
            )
            for n in range(ACCOUNTS)
        ],
        batch_size=5000,
    )  # fmt: skip
    setup = time.perf_counter() - began
    after_day = interest.day_end(today) + timedelta(minutes=5)

    began = time.perf_counter()
    report = interest.interest_run(run_date=today, now=after_day)
    first = time.perf_counter() - began
    assert report.accruals_written >= ACCOUNTS, report
    assert report.postings == 0, report
    began = time.perf_counter()
    again = interest.interest_run(run_date=today, now=after_day)
    second = time.perf_counter() - began
    assert again.accruals_written == 0
    rows = InterestAccrual.objects.filter(day=today).count()
    sys.stderr.write(
        f"interest: {ACCOUNTS:,} accounts (set-up {setup:.1f} s): {rows:,} accrual rows in {first:.2f} s;"
        f" the same day again {second:.2f} s\n"
    )
    emit("accounts.interest_run_s", first, "s", baseline="accounts.interest_rerun_s", baseline_value=second)
