"""Real threads against PostgreSQL: row locks, not luck, keep the books straight."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, LedgerAccount, Posting
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
TRANSFERS_PER_THREAD = 500
ACCOUNTS = 20
OPENING_BALANCE = 20_000


@dataclass
class Outcomes:
    posted: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # key, entry, from, to, amount
    refused: list[tuple[str, str]] = field(default_factory=list)  # key, code
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_threads(pick: Callable[[random.Random], tuple[int, int, int]]) -> Outcomes:
    outcomes = Outcomes()
    start = threading.Barrier(THREADS)

    def worker(number: int) -> None:
        rng = random.Random(number)
        start.wait()
        for n in range(TRANSFERS_PER_THREAD):
            source, target, amount = pick(rng)
            key = f"c-{number}-{n}"
            try:
                entry_id = ledger.transfer(
                    from_account_id=source, to_account_id=target, amount=Money(amount, "EUR"), idempotency_key=key
                )
            except ledger.LedgerError as refused:
                with outcomes.lock:
                    outcomes.refused.append((key, refused.code))
            else:
                with outcomes.lock:
                    outcomes.posted.append((key, entry_id, source, target, amount))

    run_concurrently(worker, count=THREADS, barrier=start)
    return outcomes


def open_funded_accounts(bank: int) -> list[int]:
    accounts = [ledger.account_open(name=f"Customer {n}", currency="EUR") for n in range(ACCOUNTS)]
    for account in accounts:
        ledger.transfer(
            from_account_id=bank,
            to_account_id=account,
            amount=Money(OPENING_BALANCE, "EUR"),
            idempotency_key=f"open-{account}",
        )
    return accounts


def assert_books_straight(bank: int, accounts: list[int], outcomes: Outcomes) -> None:
    assert len(outcomes.posted) + len(outcomes.refused) == THREADS * TRANSFERS_PER_THREAD
    # No lost update: each balance is the opening balance plus exactly the posted transfers.
    expected = dict.fromkeys(accounts, OPENING_BALANCE)
    for _, _, source, target, amount in outcomes.posted:
        expected[source] -= amount
        expected[target] += amount
    stored = dict(LedgerAccount.objects.filter(pk__in=accounts).values_list("id", "balance_minor"))
    assert stored == expected
    assert min(stored.values()) >= 0
    # Totals conserved: the customers still hold exactly what the bank paid in.
    assert sum(stored.values()) == OPENING_BALANCE * ACCOUNTS == -ledger_read.balance(account_id=bank).minor
    # Every refused transfer left no trace; every posted one left exactly one entry.
    refused_keys = [key for key, _ in outcomes.refused]
    assert not Entry.objects.filter(idempotency_key__in=refused_keys).exists()
    assert Entry.objects.filter(idempotency_key__startswith="c-").count() == len(outcomes.posted)
    assert Posting.objects.filter(entry__idempotency_key__startswith="c-").count() == 2 * len(outcomes.posted)
    assert {code for _, code in outcomes.refused} <= {"insufficient_funds"}
    report = ledger_read.reconcile()
    assert report.clean, report.drifts


def test_random_transfers_among_twenty_accounts() -> None:
    bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
    accounts = open_funded_accounts(bank)

    def pick(rng: random.Random) -> tuple[int, int, int]:
        source, target = rng.sample(accounts, 2)
        return source, target, rng.randint(1, 15_000)

    outcomes = run_threads(pick)
    assert outcomes.refused, "amounts are drawn large enough that some transfers must be refused"
    assert_books_straight(bank, accounts, outcomes)


def test_every_transfer_credits_one_hot_account() -> None:
    bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
    accounts = open_funded_accounts(bank)
    hot, others = accounts[0], accounts[1:]

    def pick(rng: random.Random) -> tuple[int, int, int]:
        return rng.choice(others), hot, rng.randint(1, 300)

    outcomes = run_threads(pick)
    assert outcomes.refused
    assert_books_straight(bank, accounts, outcomes)


class TestOneKeyFromTwoConnections:
    """Two clients sending the same request at once (a retry racing the original) post it once."""

    def test_a_post_waiting_on_the_first_ones_uncommitted_key_replays_it(self) -> None:
        bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
        target = ledger.account_open(name="Customer", currency="EUR")
        request = {"from_account_id": bank, "to_account_id": target, "amount": Money(700, "EUR")}
        second_pid: list[int] = []
        entry_ids: dict[str, int] = {}
        crashed: list[BaseException] = []
        second_ready = threading.Event()
        second_done = threading.Event()

        def first() -> None:
            try:
                with transaction.atomic():
                    entry_ids["first"] = ledger.transfer(**request, idempotency_key="same-key")  # type: ignore[arg-type]
                    second_ready.wait()
                    # Commit only once the second post waits on this transaction's key.
                    with connection.cursor() as cursor:
                        while not second_done.is_set():
                            # Inside a transaction pg_stat_activity stays as first read: drop that snapshot.
                            cursor.execute("SELECT pg_stat_clear_snapshot()")
                            cursor.execute(
                                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", second_pid
                            )
                            if cursor.fetchone()[0]:
                                break
            except BaseException as exc:
                crashed.append(exc)
                second_ready.set()
            finally:
                connection.close()

        def second() -> None:
            try:
                connection.ensure_connection()
                second_pid.append(connection.connection.info.backend_pid)
                second_ready.set()
                entry_ids["second"] = ledger.transfer(**request, idempotency_key="same-key")  # type: ignore[arg-type]
            except BaseException as exc:
                crashed.append(exc)
            finally:
                second_done.set()
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if crashed:
            raise crashed[0]
        assert entry_ids["first"] == entry_ids["second"]
        assert list(Entry.objects.filter(idempotency_key="same-key").values_list("id", flat=True)) == [
            entry_ids["first"]
        ]
        assert ledger_read.balance(account_id=target) == Money(700, "EUR")
        assert ledger_read.reconcile().clean

    def test_keys_sent_by_two_threads_at_the_same_moment_post_once_each(self) -> None:
        bank = ledger.account_open(name="Bank", currency="EUR", allow_negative=True, kind="internal")
        target = ledger.account_open(name="Customer", currency="EUR")
        rounds = 25
        start = threading.Barrier(2)
        answers: list[list[int]] = [[], []]

        def worker(number: int) -> None:
            for n in range(rounds):
                start.wait()
                answers[number].append(
                    ledger.transfer(
                        from_account_id=bank,
                        to_account_id=target,
                        amount=Money(100, "EUR"),
                        idempotency_key=f"twice-{n}",
                    )
                )

        run_concurrently(worker, count=2, barrier=start)
        assert len(answers[0]) == len(answers[1]) == rounds
        assert answers[0] == answers[1]
        stored = dict(Entry.objects.filter(idempotency_key__startswith="twice-").values_list("idempotency_key", "id"))
        assert stored == {f"twice-{n}": entry_id for n, entry_id in enumerate(answers[0])}
        assert Posting.objects.filter(entry_id__in=answers[0]).count() == 2 * rounds
        assert ledger_read.balance(account_id=target) == Money(100 * rounds, "EUR")
