"""The retry policy on its own: which database errors are worth another attempt."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from bankcore.ledger import services as ledger


class Conflict(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


def failing(sqlstate: str, times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("conflict") from Conflict(sqlstate)
        return "done"

    return calls, operation


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_deadlocks_and_serialization_failures_are_retried(sqlstate: str) -> None:
    calls, operation = failing(sqlstate, times=2)
    assert ledger._retrying(operation) == "done"  # type: ignore[arg-type]
    assert len(calls) == 3


def test_after_a_bounded_number_of_attempts_the_error_is_clear() -> None:
    calls, operation = failing("40P01", times=100)
    with pytest.raises(ledger.LedgerBusy) as busy:
        ledger._retrying(operation)  # type: ignore[arg-type]
    assert busy.value.code == "ledger_busy"
    assert len(calls) == ledger.MAX_ATTEMPTS


def test_other_database_errors_are_not_retried() -> None:
    calls, operation = failing("08006", times=1)
    with pytest.raises(OperationalError):
        ledger._retrying(operation)  # type: ignore[arg-type]
    assert len(calls) == 1
