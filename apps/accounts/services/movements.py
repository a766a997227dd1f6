"""Telling customers about money in and out of their accounts, once per posting.

Whoever moves money (payments, wallets, interest) calls ``entry_notify`` with the entry's id
after posting, in its own transaction or after commit: it writes inbox rows only (the e-mail
goes after commit), so it adds no wait to the money's critical path. Calling it twice for the
same entry tells nobody twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from apps.accounts.models import Account, MoneyNotice
from apps.accounts.services import notices
from bankcore.ledger.models import Entry, Posting
from bankcore.money import Money


def entry_notify(*, entry_id: int, now: datetime) -> int:
    """Tell the holder of each customer account the entry touched; returns how many were told."""
    entry = Entry.objects.filter(pk=entry_id).values_list("description", "metadata").first()
    if entry is None:
        return 0
    description, metadata = entry
    postings = list(
        Posting.objects.filter(entry_id=entry_id).values_list("id", "account_id", "amount_minor", "currency")
    )
    accounts = {a.ledger_account_id: a for a in Account.objects.filter(ledger_account_id__in=[p[1] for p in postings])}
    told = 0
    for posting_id, ledger_id, amount_minor, currency in postings:
        account = accounts.get(ledger_id)
        if account is None:
            continue
        reference = str((metadata or {}).get("reference") or description or "")
        try:
            with transaction.atomic():
                MoneyNotice.objects.create(posting_id=posting_id, account=account, notified_at=now)
                notices.money_moved(
                    customer_id=account.customer_id,
                    account_id=account.pk,
                    iban=account.iban,
                    amount=Money(-amount_minor, currency),  # customer money is credit-normal
                    description=reference,
                    now=now,
                )
        except IntegrityError:
            continue  # told already
        told += 1
    return told
