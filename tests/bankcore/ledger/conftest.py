"""Ledger fixtures: a bank-side funding account and two customers with money in them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connections

from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, Hold, LedgerAccount, Posting
from bankcore.money import Money

_keys = itertools.count()


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def key() -> str:
    return f"test-{next(_keys)}"


def other_connection(**options: object) -> psycopg.Connection[tuple[Any, ...]]:
    """A second, independent connection to the test database, as another process would open."""
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**(params | options))


def snapshot() -> tuple[int, int, int, list[tuple[int, int, int, str]]]:
    """Everything a refused request must leave untouched."""
    return (
        Entry.objects.count(),
        Posting.objects.count(),
        Hold.objects.count(),
        list(LedgerAccount.objects.order_by("id").values_list("id", "balance_minor", "held_minor", "status")),
    )


@pytest.fixture
def bank() -> int:
    """The bank's funding account: internal, may go negative (money entering from outside)."""
    return ledger.account_open(name="Settlement", currency="EUR", allow_negative=True, kind="internal")


@pytest.fixture
def fund(bank: int) -> Callable[[int, int], int]:
    def fund(account_id: int, minor: int) -> int:
        return ledger.transfer(from_account_id=bank, to_account_id=account_id, amount=eur(minor), idempotency_key=key())

    return fund


@pytest.fixture
def alice(fund: Callable[[int, int], int]) -> int:
    account = ledger.account_open(name="Alice", currency="EUR")
    fund(account, 10_000)
    return account


@pytest.fixture
def bob() -> int:
    return ledger.account_open(name="Bob", currency="EUR")
