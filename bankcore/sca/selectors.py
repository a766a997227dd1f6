"""Reads on challenges, and the hashes that bind a challenge to what it approves (one payment or a batch)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from bankcore.canonical import json_round_trip, sha256_of
from bankcore.money import Money
from bankcore.sca.models import Challenge


def details_hash(*, action: str, details: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces) of the action and its details."""
    return sha256_of({"action": action, "details": details})


def challenge_get(*, challenge_id: int, user_id: int) -> Challenge | None:
    """The user's own challenge, or None (another user's challenge does not exist for them)."""
    return Challenge.objects.filter(pk=challenge_id, user_id=user_id).first()


BATCH_ACTION = "payment_batch"


def _iban(value: str) -> str:
    return "".join(value.split()).upper()


def batch_challenge_details(*, lines: Iterable[tuple[str, Money]]) -> dict[str, Any]:
    """The details a bulk file's challenge shows and is bound to (RTS art. 5 for batches).

    ``lines`` are (payee IBAN, amount) pairs, one a payment. The customer sees the number of
    payments and their total; ``payees_sha256`` is SHA-256 over the sorted lines
    ``IBAN:minor:currency`` (IBAN without spaces, upper case), so changing, adding or removing any
    payee or amount changes the hash, while the order of the file does not. One currency a batch.
    Create the challenge with ``action=BATCH_ACTION`` and these details; when the file is executed,
    recompute them from the lines actually paid and pass
    ``details_hash(action=BATCH_ACTION, details=...)`` to ``challenge_consume``.
    """
    items = [(_iban(iban), amount) for iban, amount in lines]
    if not items:
        raise ValueError("a batch has at least one payment")
    currencies = {amount.currency for _, amount in items}
    if len(currencies) != 1:
        raise ValueError(f"a batch is in one currency, not {', '.join(sorted(currencies))}")
    currency = currencies.pop()
    total = sum((amount for _, amount in items), Money(0, currency))
    canonical = sorted(f"{iban}:{amount.minor}:{amount.currency}" for iban, amount in items)
    return {
        "count": len(items),
        "total": total.to_decimal_string(),
        "total_minor": total.minor,
        "currency": currency,
        "payees_sha256": hashlib.sha256("\n".join(canonical).encode()).hexdigest(),
    }


def batch_details_hash(*, lines: Iterable[tuple[str, Money]]) -> str:
    """``details_hash`` of a batch's challenge details: the ``payload_hash`` its execution consumes with."""
    return details_hash(action=BATCH_ACTION, details=batch_challenge_details(lines=lines))


def challenge_used_for(*, user_id: int, action: str, details: dict[str, Any]) -> int | None:
    """The user's used challenge that approved exactly ``details`` for ``action`` (latest), or None.

    For a caller whose approval was consumed by another step (a payment consent's approval is
    its payment's SCA): the payment records which challenge authorised it.
    """
    digest = details_hash(action=action, details=json_round_trip(details))
    return (
        Challenge.objects.filter(user_id=user_id, action=action, details_hash=digest, status=Challenge.Status.USED)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
