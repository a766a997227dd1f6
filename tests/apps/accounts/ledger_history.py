"""Ledger history at chosen moments, for statement and interest tests.

The ledger stamps every posting with the database's clock; a statement or an interest run over
past days needs postings on those days. ``book`` posts through the ledger's own service (so
balances and ``balance_after`` are the ledger's) and then moves the entry's timestamps to ``at``,
with PostgreSQL's immutability triggers paused for that one statement, as a restore would.
Book in time order: per account the ledger keeps posting id order equal to time order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from apps.accounts.models import Account
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money

_counter = iter(range(1, 10**9))


def funding_account(currency: str = "EUR") -> int:
    """An internal ledger account money comes from and goes to (may run negative)."""
    return ledger.account_open(
        name=f"test funding {currency}",
        currency=currency,
        allow_negative=True,
        kind=LedgerAccount.Kind.INTERNAL,
        normal_side=LedgerAccount.NormalSide.DEBIT,
    )


def arrange_overdraft(account: Account, limit_minor: int) -> None:
    """The limit staff would set through maker-checker: on the account and its ledger policy."""
    Account.objects.filter(pk=account.pk).update(overdraft_limit_minor=limit_minor)
    LedgerAccount.objects.filter(pk=account.ledger_account_id).update(overdraft_limit_minor=limit_minor)
    account.refresh_from_db()


def backdate(entry_id: int, at: datetime) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE ledger_posting SET created_at = %s WHERE entry_id = %s", [at, entry_id])
        cursor.execute("UPDATE ledger_entry SET created_at = %s WHERE id = %s", [at, entry_id])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def book(
    account: Account,
    minor: int,
    at: datetime,
    *,
    funding: int,
    description: str = "",
    metadata: dict[str, Any] | None = None,
) -> int:
    """Money in (``minor`` > 0) or out (< 0) of ``account`` at ``at``; returns the entry id.

    ``metadata`` is what a money-moving context keeps on the entry (a payment's counterparty and reference).
    """
    amount = Money(abs(minor), account.currency)
    key = f"test-history:{next(_counter)}:{account.pk}"
    if minor > 0:
        entry_id = ledger.transfer(
            from_account_id=funding,
            to_account_id=account.ledger_account_id,
            amount=amount,
            idempotency_key=key,
            description=description or "Money in",
            metadata=metadata,
        )
    else:
        entry_id = ledger.transfer(
            from_account_id=account.ledger_account_id,
            to_account_id=funding,
            amount=amount,
            idempotency_key=key,
            description=description or "Money out",
            metadata=metadata,
        )
    backdate(entry_id, at)
    return entry_id
