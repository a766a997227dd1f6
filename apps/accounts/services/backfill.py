"""Past history for demo data and tests: balanced ledger entries booked at chosen past moments.

The ledger books every posting at the moment it is written; a demo account with months of
history needs postings in the past. This writes them as the ledger's own batch path does (one
entry and two postings a movement, balances after each, the stored balances last), through the
same tables and guards: PostgreSQL's postings guard and deferred entry check judge every row.
It refuses an account that has postings already, so per account id order stays time order.
Never used for customers' real money: it exists for ``seed_demo``, the tests and the benchmarks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.db import transaction

from bankcore.ledger.models import Entry, LedgerAccount, Posting


@dataclass(frozen=True)
class Movement:
    at: datetime
    amount_minor: int  # from the customer's side: positive in, negative out
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class BackfillRefused(ValueError):
    """The history cannot be written as asked (an account with postings, an order in time, funds)."""


def _delta(account: LedgerAccount, debit_minor: int) -> int:
    return -debit_minor if account.normal_side == LedgerAccount.NormalSide.CREDIT else debit_minor


@transaction.atomic
def history_backfill(
    *, ledger_account_id: int, counter_ledger_account_id: int, movements: Sequence[Movement], key_prefix: str
) -> int:
    """Write ``movements`` (oldest first) between a customer's ledger account and a bank account.

    Returns the number of entries written. Idempotent on ``key_prefix``: a second call with the
    same prefix writes nothing.
    """
    if Entry.objects.filter(idempotency_key=f"{key_prefix}:0").exists():
        return 0
    locked = {
        a.pk: a
        for a in LedgerAccount.objects.select_for_update()
        .filter(pk__in=[ledger_account_id, counter_ledger_account_id])
        .order_by("pk")
    }
    account, bank = locked[ledger_account_id], locked[counter_ledger_account_id]
    if Posting.objects.filter(account_id=ledger_account_id).exists():
        raise BackfillRefused("the account has postings already: history goes only before any")
    if any(later.at < earlier.at for earlier, later in pairwise(movements)):
        raise BackfillRefused("movements go oldest first")
    entries: list[Entry] = []
    postings: list[list[Posting]] = []
    for n, move in enumerate(movements):
        # Customer side: money in is a credit (negative amount_minor) on a credit-normal account.
        debit = -move.amount_minor
        account.balance_minor += _delta(account, debit)
        if account.balance_minor < -account.overdraft_limit_minor and not account.allow_negative:
            raise BackfillRefused(f"movement {n} would take the account below its floor")
        bank.balance_minor += _delta(bank, -debit)
        key = f"{key_prefix}:{n}"
        entries.append(
            Entry(
                idempotency_key=key,
                kind=Entry.Kind.TRANSFER,
                description=move.description,
                metadata=move.metadata,
                fingerprint=hashlib.sha256(key.encode()).hexdigest(),
                created_at=move.at,
            )
        )
        postings.append(
            [
                Posting(
                    account_id=account.pk,
                    amount_minor=debit,
                    currency=account.currency,
                    balance_after_minor=account.balance_minor,
                    created_at=move.at,
                ),
                Posting(
                    account_id=bank.pk,
                    amount_minor=-debit,
                    currency=bank.currency,
                    balance_after_minor=bank.balance_minor,
                    created_at=move.at,
                ),
            ]
        )
    Entry.objects.bulk_create(entries, batch_size=1000)
    rows = []
    for entry, pair in zip(entries, postings, strict=True):
        for posting in pair:
            posting.entry_id = entry.pk
            rows.append(posting)
    Posting.objects.bulk_create(rows, batch_size=2000)
    LedgerAccount.objects.filter(pk=account.pk).update(balance_minor=account.balance_minor)
    LedgerAccount.objects.filter(pk=bank.pk).update(balance_minor=bank.balance_minor)
    return len(entries)
