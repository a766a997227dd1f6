"""Telling customers about money in and out of their accounts, once per posting.

Whoever moves money (payments, wallets, interest) calls ``entries_notify`` with the entries' ids
after posting, in its own transaction or after commit: it writes inbox rows only (the e-mail
goes after commit), so it adds no wait to the money's critical path. Calling it twice for the
same entry tells nobody twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, transaction

from apps.accounts.models import Account, MoneyNotice
from apps.accounts.services import notices
from bankcore import notifications
from bankcore.ledger.models import Posting
from bankcore.money import Money


def _claim(rows: list[tuple[int, int]], *, now: datetime) -> set[int]:
    """Record ``(posting_id, account_id)`` as told; the postings not told before (one statement)."""
    if not rows:
        return set()
    adapt = connection.ops.adapt_datetimefield_value(now)
    table = MoneyNotice._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params = [value for posting_id, account_id in rows for value in (posting_id, account_id, adapt)]
    with connection.cursor() as cursor:
        # The unique posting id is the "once": a second caller's row conflicts and is not returned.
        cursor.execute(
            f"INSERT INTO {table} (posting_id, account_id, notified_at) VALUES {values} "  # noqa: S608 - our own names
            "ON CONFLICT (posting_id) DO NOTHING RETURNING posting_id",
            params,
        )
        return {int(row[0]) for row in cursor.fetchall()}


def entries_notify(*, entry_ids: Sequence[int], now: datetime, told_apart: int | None = None) -> int:
    """Tell the holder of each customer account the entries touched; returns how many notices were written.

    A posting on the ledger account ``told_apart`` is marked told without a notice of its own: its
    caller tells the holder once for them all (a bulk payout's payer, ``payout_notify``).
    """
    # Called after the payment's commit, so in autocommit: one transaction (one commit) for the
    # claim and the inbox rows instead of one per statement. Inside a caller's transaction it
    # adds nothing, not even a savepoint.
    with transaction.atomic(savepoint=False):
        return _entries_notify(entry_ids=entry_ids, now=now, told_apart=told_apart)


def _entries_notify(*, entry_ids: Sequence[int], now: datetime, told_apart: int | None) -> int:
    postings = list(
        Posting.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "id")
        .values_list("id", "account_id", "amount_minor", "currency", "entry__description", "entry__metadata")
    )
    accounts = {a.ledger_account_id: a for a in Account.objects.filter(ledger_account_id__in={p[1] for p in postings})}
    ours = [p for p in postings if p[1] in accounts]
    fresh = _claim([(p[0], accounts[p[1]].pk) for p in ours], now=now)
    told = []
    for posting_id, ledger_id, amount_minor, currency, description, metadata in ours:
        if posting_id not in fresh or ledger_id == told_apart:
            continue
        account = accounts[ledger_id]
        reference = str((metadata or {}).get("reference") or description or "")
        told.append(
            notices.money_moved_notice(
                customer_id=account.customer_id,
                account_id=account.pk,
                iban=account.iban,
                amount=Money(-amount_minor, currency),  # customer money is credit-normal
                description=reference,
            )
        )
    return notifications.notify_many(notices=told, now=now) if told else 0


def entry_notify(*, entry_id: int, now: datetime) -> int:
    """``entries_notify`` of one entry."""
    return entries_notify(entry_ids=[entry_id], now=now)


def payout_notify(*, account_id: int, amount: Money, count: int, description: str, now: datetime) -> None:
    """Tell the holder once of ``count`` payments out of the account, ``amount`` in total."""
    account = Account.objects.get(pk=account_id)
    notice = notices.money_moved_notice(
        customer_id=account.customer_id, account_id=account.pk, iban=account.iban,
        amount=Money(-amount.minor, amount.currency), description=description, count=count,
    )  # fmt: skip
    notifications.notify_many(notices=[notice], now=now)
