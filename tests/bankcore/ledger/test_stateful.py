"""Random sequences of everything the ledger does, checked against a model after every step.

The model predicts each outcome (posted, or refused with which code) from balances, holds and
policies alone; after every step the stored figures must equal the model's, every currency
must sum to zero, no account may sit below its floor, and reconcile must find nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.ledger.values import TransferRequest
from bankcore.money import Money

_keys = itertools.count()


def fresh_key() -> str:
    return f"sm-{next(_keys)}"


@dataclass
class ModelAccount:
    id: int
    currency: str
    floor: int | None  # None: may go negative without bound
    balance: int = 0
    held: int = 0
    frozen: bool = False


@dataclass
class ModelHold:
    id: int
    account: ModelAccount
    amount: int
    expires_at: datetime


@dataclass
class ModelEntry:
    id: int
    source: ModelAccount
    target: ModelAccount
    amount: int


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint that is rolled back: examples never see each other.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
        self.accounts: list[ModelAccount] = []
        for name, currency, negative, limit in [
            ("EUR bank", "EUR", True, 0),
            ("USD bank", "USD", True, 0),
            ("Alice", "EUR", False, 0),
            ("Bob", "EUR", False, 0),
            ("Carol (overdraft)", "EUR", False, 5_000),
            ("Dan USD", "USD", False, 0),
        ]:
            account_id = ledger.account_open(
                name=name, currency=currency, allow_negative=negative, overdraft_limit_minor=limit
            )
            self.accounts.append(ModelAccount(account_id, currency, None if negative else -limit))
        self.holds: list[ModelHold] = []
        self.entries: list[ModelEntry] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- the model's predictions -------------------------------------------------------------

    def refusal(self, source: ModelAccount, target: ModelAccount, amount: int, *, released: int = 0) -> str:
        """The code the ledger must answer for moving ``amount`` from source to target ('' = posts)."""
        if source is target:
            return "same_account"
        for account in sorted((source, target), key=lambda a: a.id):
            if account.currency != source.currency:
                return "currency_mismatch"
            if account.frozen:
                return "account_frozen"
            if (
                account is source
                and account.floor is not None
                and account.balance - amount - (account.held - released) < account.floor
            ):
                return "insufficient_funds"
        return ""

    def moved(self, source: ModelAccount, target: ModelAccount, amount: int) -> None:
        source.balance -= amount
        target.balance += amount

    def attempt(self, expected: str, operation: Callable[[], int]) -> int | None:
        code = ""
        try:
            result: int | None = operation()
        except ledger.LedgerError as refused:
            code, result = refused.code, None
        assert code == expected, f"answered {code or 'posted'}, the model expected {expected or 'posted'}"
        return result

    # -- rules ---------------------------------------------------------------------------------

    @rule(target_index=st.integers(2, 5), amount=st.integers(1, 20_000))
    def fund(self, target_index: int, amount: int) -> None:
        target = self.accounts[target_index]
        bank = self.accounts[0] if target.currency == "EUR" else self.accounts[1]
        self.transfer_between(bank, target, amount)

    @rule(source_index=st.integers(0, 5), target_index=st.integers(0, 5), amount=st.integers(1, 15_000))
    def transfer(self, source_index: int, target_index: int, amount: int) -> None:
        self.transfer_between(self.accounts[source_index], self.accounts[target_index], amount)

    def transfer_between(self, source: ModelAccount, target: ModelAccount, amount: int) -> None:
        expected = self.refusal(source, target, amount)
        entry_id = self.attempt(
            expected,
            lambda: ledger.transfer(
                from_account_id=source.id,
                to_account_id=target.id,
                amount=Money(amount, source.currency),
                idempotency_key=fresh_key(),
            ),
        )
        if entry_id is not None:
            self.moved(source, target, amount)
            self.entries.append(ModelEntry(entry_id, source, target, amount))

    @rule(
        moves=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 8_000)), min_size=1, max_size=5)
    )
    def batch(self, moves: list[tuple[int, int, int]]) -> None:
        requests, expected = [], []
        for source_index, target_index, amount in moves:
            source, target = self.accounts[source_index], self.accounts[target_index]
            requests.append(TransferRequest(source.id, target.id, Money(amount, source.currency), fresh_key()))
            code = self.refusal(source, target, amount)
            expected.append(code)
            if not code:
                self.moved(source, target, amount)
        results = ledger.post_batch(transfers=requests)
        assert [r.code for r in results] == expected
        for (source_index, target_index, amount), result in zip(moves, results, strict=True):
            if result.posted:
                assert result.entry_id is not None
                self.entries.append(
                    ModelEntry(result.entry_id, self.accounts[source_index], self.accounts[target_index], amount)
                )

    @rule(index=st.integers(0, 5), amount=st.integers(1, 10_000), minutes=st.integers(1, 120))
    def hold(self, index: int, amount: int, minutes: int) -> None:
        account = self.accounts[index]
        expected = ""
        if account.frozen:
            expected = "account_frozen"
        elif account.floor is not None and account.balance - account.held - amount < account.floor:
            expected = "insufficient_funds"
        expires_at = self.now + timedelta(minutes=minutes)
        hold_id = self.attempt(
            expected,
            lambda: ledger.hold_create(
                account_id=account.id,
                amount=Money(amount, account.currency),
                idempotency_key=fresh_key(),
                expires_at=expires_at,
                now=self.now,
            ),
        )
        if hold_id is not None:
            account.held += amount
            self.holds.append(ModelHold(hold_id, account, amount, expires_at))

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(0, 100), target_index=st.integers(0, 5), percent=st.integers(1, 100))
    def capture(self, pick: int, target_index: int, percent: int) -> None:
        hold = self.holds[pick % len(self.holds)]
        target = self.accounts[target_index]
        amount = max(1, hold.amount * percent // 100)
        expected = self.refusal(hold.account, target, amount, released=hold.amount)
        entry_id = self.attempt(
            expected,
            lambda: ledger.hold_capture(
                hold_id=hold.id,
                to_account_id=target.id,
                idempotency_key=fresh_key(),
                now=self.now,
                amount=Money(amount, hold.account.currency),
            ),
        )
        if entry_id is not None:
            self.holds.remove(hold)
            hold.account.held -= hold.amount
            self.moved(hold.account, target, amount)
            self.entries.append(ModelEntry(entry_id, hold.account, target, amount))

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(0, 100))
    def release(self, pick: int) -> None:
        hold = self.holds.pop(pick % len(self.holds))
        ledger.hold_release(hold_id=hold.id, now=self.now)
        hold.account.held -= hold.amount

    @rule(minutes=st.integers(1, 90))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        due = [hold for hold in self.holds if hold.expires_at <= self.now]
        assert ledger.holds_expire(now=self.now) == len(due)
        for hold in due:
            self.holds.remove(hold)
            hold.account.held -= hold.amount

    @precondition(lambda self: self.entries)
    @rule(pick=st.integers(0, 100))
    def reverse(self, pick: int) -> None:
        entry = self.entries[pick % len(self.entries)]
        expected = self.refusal(entry.target, entry.source, entry.amount)
        reversal = self.attempt(expected, lambda: ledger.entry_reverse(entry_id=entry.id, reason="stateful test"))
        if reversal is not None:
            self.entries.remove(entry)
            self.moved(entry.target, entry.source, entry.amount)

    @rule(index=st.integers(0, 5))
    def toggle_freeze(self, index: int) -> None:
        account = self.accounts[index]
        if account.frozen:
            ledger.account_unfreeze(account_id=account.id)
        else:
            ledger.account_freeze(account_id=account.id)
        account.frozen = not account.frozen

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_ledger_matches_the_model_and_balances(self) -> None:
        stored = {
            row[0]: row[1:]
            for row in LedgerAccount.objects.filter(pk__in=[a.id for a in self.accounts]).values_list(
                "id", "balance_minor", "held_minor"
            )
        }
        totals: dict[str, int] = {}
        for account in self.accounts:
            assert stored[account.id] == (account.balance, account.held)
            assert ledger_read.balance(account_id=account.id) == Money(account.balance, account.currency)
            if account.floor is not None:
                assert account.balance - account.held >= account.floor
            totals[account.currency] = totals.get(account.currency, 0) + account.balance
        assert totals == {"EUR": 0, "USD": 0}
        report = ledger_read.reconcile()
        assert report.clean, report.drifts


@pytest.mark.django_db
def test_random_sequences_keep_the_books_straight() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
