"""KYC limits: one check, and one check-and-record, with a year of usage behind the customer.

Runs in a scratch database of its own (PostgreSQL when DATABASE_URL names one, else SQLite).
The baseline is the same check for a customer with no usage at all, measured in the same run:
a ratio near 1 shows the check reads its two buckets, not the year behind them.
Figures are in docs/BENCHMARKS.md ("KYC").
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from apps.kyc import interface as kyc
from apps.kyc.models import CustomerKyc, UsageBucket, UsageRecord
from bankcore.fx.models import Rate
from bankcore.money import Money
from bankcore.users.models import User
from bench.result import emit
from bench.scratch import scratch_database

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DAYS = 365
PAYMENTS_PER_DAY = 20
SAMPLES = 3000
KINDS = ("payment_out", "wallet_out", "cash_out")


def run() -> None:
    with scratch_database("kyc"):
        _run()


def _customer(email: str) -> int:
    user = User.objects.create_user(email=email, password=None)
    CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=NOW)
    return int(user.pk)


def _year_of_usage(customer_id: int) -> int:
    """A year of recorded movements and their buckets, as limits_record would have left them."""
    records: list[UsageRecord] = []
    days: dict[tuple[str, date], int] = {}
    months: dict[tuple[str, date], int] = {}
    for back in range(DAYS, 0, -1):
        day = (NOW - timedelta(days=back)).date()
        for n in range(PAYMENTS_PER_DAY):
            kind = KINDS[n % len(KINDS)]
            minor = 100 + n
            records.append(
                UsageRecord(
                    customer_id=customer_id, kind=kind, ref=f"payment:{back}-{n}", amount_minor=minor, currency="EUR",
                    eur_minor=minor, day=day, recorded_at=NOW - timedelta(days=back),
                )
            )  # fmt: skip
            for counted in (kind, "any_out"):
                days[(counted, day)] = days.get((counted, day), 0) + minor
                months[(counted, day.replace(day=1))] = months.get((counted, day.replace(day=1)), 0) + minor
    UsageRecord.objects.bulk_create(records, batch_size=5000)
    buckets = [
        UsageBucket(customer_id=customer_id, kind=k, period="day", starts_on=d, used_minor=v)
        for (k, d), v in days.items()
    ] + [
        UsageBucket(customer_id=customer_id, kind=k, period="month", starts_on=d, used_minor=v)
        for (k, d), v in months.items()
    ]
    UsageBucket.objects.bulk_create(buckets, batch_size=5000)
    return len(records)


def _p99_ms(call: Callable[[int], None], samples: int) -> tuple[float, float]:
    for n in range(200):  # warm the connection, the statement cache and the rate's pages
        call(-n - 1)
    timings = []
    for n in range(samples):
        began = time.perf_counter()
        call(n)
        timings.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return cuts[49], cuts[98]


def _run() -> None:
    Rate.objects.create(
        base="EUR", quote="USD", mid=Decimal("1.1594"), as_of=NOW - timedelta(hours=3), source="bench", loaded_at=NOW
    )
    busy = _customer("busy@bench.test")
    records = _year_of_usage(busy)
    fresh = _customer("fresh@bench.test")
    amount = Money.of("12.34", "USD")  # a foreign currency: the rate lookup is part of every check

    def check(customer_id: int) -> Callable[[int], None]:
        return lambda _n: kyc.limits_check(customer_id=customer_id, kind="payment_out", amount=amount, now=NOW)

    def check_and_record(n: int) -> None:
        kyc.limits_check(customer_id=busy, kind="payment_out", amount=amount, now=NOW)
        with transaction.atomic():
            kyc.limits_record(customer_id=busy, kind="payment_out", amount=amount, ref=f"bench:{n}", now=NOW)

    def round_trip(_n: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    _, floor_p99 = _p99_ms(round_trip, SAMPLES)  # the machine's own noise: one empty round trip
    _, empty_p99 = _p99_ms(check(fresh), SAMPLES)
    p50, p99 = _p99_ms(check(busy), SAMPLES)
    _, record_p99 = _p99_ms(check_and_record, SAMPLES)
    sys.stderr.write(
        f"kyc: {records:,} movements over {DAYS} days behind the customer; check p50 {p50:.3f} ms,"
        f" p99 {p99:.3f} ms; one empty round trip (SELECT 1) p99 {floor_p99:.3f} ms\n"
    )
    emit("kyc.limits_check_p99_ms", p99, "ms", baseline="kyc.limits_check_no_usage_p99_ms", baseline_value=empty_p99)
    emit("kyc.limits_check_and_record_p99_ms", record_p99, "ms")
