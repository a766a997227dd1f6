"""Ids of accounts and transactions on the partner API's wire: opaque strings, never bare numbers.

An account is ``acc_<id>``, a transaction ``txn_<posting id>``, a statement ``stmt_<job id>``
(named only by the ``account.statement.ready`` webhook); page cursors are the kernel's
(``bankcore.api.cursors``). Clients must treat all of them as opaque.
"""

from __future__ import annotations

ACCOUNT_PREFIX = "acc_"
TRANSACTION_PREFIX = "txn_"
STATEMENT_PREFIX = "stmt_"


def _parse(value: object, prefix: str) -> int | None:
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    digits = value[len(prefix) :]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18 or digits.startswith("0"):
        return None
    return int(digits)


def account_wire_id(account_id: int) -> str:
    return f"{ACCOUNT_PREFIX}{account_id}"


def account_id_from_wire(value: object) -> int | None:
    """The account id an ``acc_…`` string names, or None when it names none."""
    return _parse(value, ACCOUNT_PREFIX)


def transaction_wire_id(posting_id: int) -> str:
    return f"{TRANSACTION_PREFIX}{posting_id}"


def statement_wire_id(job_id: int) -> str:
    return f"{STATEMENT_PREFIX}{job_id}"
