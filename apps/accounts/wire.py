"""Ids of accounts and transactions on the partner API's wire: opaque strings, never bare numbers.

An account is ``acc_<id>``, a transaction ``txn_<posting id>``; a page cursor is an opaque token
(URL-safe base64 of where the next page starts). Clients must treat all of them as opaque.
"""

from __future__ import annotations

import base64
import binascii

ACCOUNT_PREFIX = "acc_"
TRANSACTION_PREFIX = "txn_"


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


def cursor_encode(before: int) -> str:
    return base64.urlsafe_b64encode(f"b{before}".encode()).decode().rstrip("=")


def cursor_decode(value: str) -> int | None:
    """The position a cursor names, or None for a cursor this API never made."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return _parse(text, "b")
