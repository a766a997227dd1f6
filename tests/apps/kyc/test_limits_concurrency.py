"""Real threads on PostgreSQL: the customer's row lock, not luck, keeps racing payments under a limit."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from apps.kyc import interface as kyc
from apps.kyc.models import UsageBucket, UsageRecord
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.kyc.factories import CustomerKycFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
THREADS = 8


def test_racing_payments_that_each_passed_the_check_cannot_all_be_recorded() -> None:
    customer_id = CustomerKycFactory(tier_id=1).customer_id  # 150.00 EUR a month in all
    checked = threading.Barrier(THREADS)
    recorded: list[int] = []
    refused: list[str] = []
    guard = threading.Lock()

    def pay(n: int) -> None:
        amount = Money.of("30.00", "EUR")
        kyc.limits_check(customer_id=customer_id, kind="payment_out", amount=amount, now=NOW)
        checked.wait()  # every payment has passed the early check before any is recorded
        try:
            with transaction.atomic():
                kyc.limits_record(
                    customer_id=customer_id, kind="payment_out", amount=amount, ref=f"payment:{n}", now=NOW
                )
        except kyc.LimitExceeded as exc:
            with guard:
                refused.append(exc.code)
        else:
            with guard:
                recorded.append(n)

    run_concurrently(pay, count=THREADS, barrier=checked)
    assert len(recorded) == 5
    assert refused == ["limit_per_month"] * 3
    assert UsageRecord.objects.filter(customer_id=customer_id).count() == 5
    month = dict(UsageBucket.objects.filter(customer_id=customer_id, period="month").values_list("kind", "used_minor"))
    assert month == {"payment_out": 15_000, "any_out": 15_000}


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_record_waits_for_the_open_one_and_then_sees_it() -> None:
    customer_id = CustomerKycFactory(tier_id=1).customer_id
    first_recorded = threading.Event()
    let_first_commit = threading.Event()
    second_pid: list[int] = []
    outcome: list[str] = []
    crashed: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                for kind, ref in (("payment_out", "payment:1"), ("cash_out", "cash:1"), ("wallet_out", "wallet:1")):
                    kyc.limits_record(
                        customer_id=customer_id, kind=kind, amount=Money.of("50.00", "EUR"), ref=ref, now=NOW
                    )  # 150.00 EUR in all: the month is full once this commits
                first_recorded.set()
                let_first_commit.wait(timeout=30)
        except BaseException as exc:
            crashed.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_recorded.wait(timeout=30)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            try:
                with transaction.atomic():
                    kyc.limits_record(
                        customer_id=customer_id,
                        kind="wallet_out",
                        amount=Money.of("0.01", "EUR"),
                        ref="wallet:2",
                        now=NOW,
                    )
            except kyc.LimitExceeded as exc:
                outcome.append(exc.code)
            else:
                outcome.append("recorded")
        except BaseException as exc:
            crashed.append(exc)
        finally:
            connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    for _ in range(200):  # until the second transaction is queued on the customer's lock
        if second_pid and _waiting_on_a_lock(second_pid[0]):
            break
        time.sleep(0.05)
    else:
        let_first_commit.set()
        a.join()
        b.join()
        pytest.fail(f"the second record never waited on a lock (outcome {outcome}, crashed {crashed})")
    assert outcome == []  # still waiting: it has not decided on a usage that is about to change
    let_first_commit.set()
    a.join()
    b.join()
    if crashed:
        raise crashed[0]
    assert outcome == ["limit_per_month"]
    assert not UsageRecord.objects.filter(ref="wallet:2").exists()
