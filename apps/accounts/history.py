"""An account's transactions, read from the ledger: filtered, newest first, keyset-paginated.

A transaction is one posting on the account's ledger account. Its amount is signed from the
holder's side (money in positive), its booking day is the posting's moment in BANK_TIME_ZONE, and
its counterparty is, in this order: what the entry's metadata names (``counterparty_name``,
``counterparty_iban``: payments write them), else the account of this bank on the other side,
else nothing (the description says what it was). ``reference`` is the metadata's
``reference`` or the entry's description.

Pages are keyset pages on the posting id (per account, id order is posting order): a page deep
in a million postings costs what the first one does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Concat

from apps.accounts.models import Account
from bankcore.ledger.models import Entry, LedgerAccount, Posting
from bankcore.money import Money

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Postings a text search walks in one request before it answers with what it found so far.
MAX_TEXT_SCAN = 100_000


@dataclass(frozen=True)
class HistoryFilter:
    """What the customer asked to see; every part optional. Amounts are sizes (never negative)."""

    booked_from: date | None = None
    booked_to: date | None = None
    amount_min_minor: int | None = None
    amount_max_minor: int | None = None
    direction: str = ""  # "in" | "out" | "" (both)
    text: str = ""


@dataclass(frozen=True)
class Transaction:
    id: int  # the posting's id
    entry_id: int
    booked_at: datetime
    value_date: date
    amount: Money  # signed, money in positive
    balance_after: Money
    description: str
    reference: str
    counterparty_name: str
    counterparty_iban: str
    kind: str

    @property
    def direction(self) -> str:
        return "in" if self.amount.minor > 0 else "out"


@dataclass(frozen=True)
class Page:
    items: list[Transaction]
    next_before: int | None  # pass as ``before`` for the next (older) page


def bank_zone() -> ZoneInfo:
    return ZoneInfo(settings.BANK_TIME_ZONE)


def day_start(day: date) -> datetime:
    """The first moment of a bank day (BANK_TIME_ZONE), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=bank_zone())


def _filtered(account: Account, wanted: HistoryFilter) -> QuerySet[Posting]:
    rows = Posting.objects.filter(account_id=account.ledger_account_id)
    if wanted.booked_from is not None:
        rows = rows.filter(created_at__gte=day_start(wanted.booked_from))
    if wanted.booked_to is not None:
        rows = rows.filter(created_at__lt=day_start(wanted.booked_to + timedelta(days=1)))
    # Customer money is credit-normal: money in is a credit (a negative amount_minor).
    low, high = wanted.amount_min_minor, wanted.amount_max_minor
    money_in = Q(amount_minor__lt=0)
    money_out = Q(amount_minor__gt=0)
    if low is not None:
        money_in &= Q(amount_minor__lte=-low)
        money_out &= Q(amount_minor__gte=low)
    if high is not None:
        money_in &= Q(amount_minor__gte=-high)
        money_out &= Q(amount_minor__lte=high)
    if wanted.direction == "in":
        rows = rows.filter(money_in)
    elif wanted.direction == "out":
        rows = rows.filter(money_out)
    elif low is not None or high is not None:
        rows = rows.filter(money_in | money_out)
    return rows


_FIELDS = (
    "id",
    "entry_id",
    "amount_minor",
    "balance_after_minor",
    "created_at",
    "entry__kind",
    "entry__description",
    "entry__metadata",
)


def entry_counterparties(
    *, ledger_account_id: int, entry_ids: list[int], bank_accounts: bool = True
) -> dict[int, tuple[str, str]]:
    """Per entry, the (name, IBAN) of the account of this bank on its other side, when there is one.

    A customer's account gives its holder and IBAN; one of the bank's own ledger accounts its name
    and no IBAN, unless ``bank_accounts`` is False (a statement names no bookkeeping account as a
    party to a payment).
    """
    others = dict(
        Posting.objects.filter(entry_id__in=entry_ids)
        .exclude(account_id=ledger_account_id)
        .values_list("entry_id", "account_id")
    )
    if not others:
        return {}
    accounts = {
        a.ledger_account_id: a
        for a in Account.objects.filter(ledger_account_id__in=set(others.values())).select_related("customer")
    }
    internal: dict[int, str] = {}
    if bank_accounts:
        internal = dict(
            LedgerAccount.objects.filter(pk__in=set(others.values()) - set(accounts)).values_list("pk", "name")
        )
    found: dict[int, tuple[str, str]] = {}
    for entry_id, ledger_id in others.items():
        if ledger_id in accounts:
            other = accounts[ledger_id]
            found[entry_id] = (other.customer.full_name or other.customer.email, other.iban)
        elif ledger_id in internal:
            found[entry_id] = (internal[ledger_id], "")
    return found


def _transactions(account: Account, rows: list[tuple[Any, ...]]) -> list[Transaction]:
    zone = bank_zone()
    counterparties = entry_counterparties(
        ledger_account_id=account.ledger_account_id, entry_ids=[int(r[1]) for r in rows]
    )
    items = []
    for posting_id, entry_id, amount_minor, after_minor, created_at, kind, description, metadata in rows:
        meta = metadata if isinstance(metadata, dict) else {}
        name, iban = counterparties.get(entry_id, ("", ""))
        booked_at: datetime = created_at
        items.append(
            Transaction(
                id=int(posting_id),
                entry_id=int(entry_id),
                booked_at=booked_at,
                value_date=booked_at.astimezone(zone).date(),
                amount=Money(-int(amount_minor), account.currency),
                balance_after=Money(int(after_minor), account.currency),
                description=str(description),
                # A reference the metadata names, even an empty one, is the payer's: the description is ours.
                reference=str(meta.get("reference", description)),
                counterparty_name=str(meta.get("counterparty_name") or name),
                counterparty_iban=str(meta.get("counterparty_iban") or iban),
                kind=str(kind),
            )
        )
    return items


def _searched_text() -> Concat:
    """What the text filter looks in: the description, the counterparty's name, the reference."""
    return Concat(
        Cast("description", TextField()),
        Value(" "),
        Coalesce(KeyTextTransform("counterparty_name", "metadata"), Value(""), output_field=TextField()),
        Value(" "),
        Coalesce(KeyTextTransform("reference", "metadata"), Value(""), output_field=TextField()),
        output_field=TextField(),
    )


def _text_page(
    *, account: Account, wanted: HistoryFilter, before: int | None, limit: int
) -> tuple[list[int], int | None]:
    """The ids of one page matching the text too, and where the next page starts.

    The planner cannot know how rare a text is, so instead of one statement that might scan the
    bank's every entry, the account's postings are walked newest first in growing chunks (an
    index range each, the other filters applied) and each chunk's entries are searched by id.
    A page stops after ``MAX_TEXT_SCAN`` postings even when short; its ``next`` goes on from there.
    """
    rows = _filtered(account, replace(wanted, text=""))
    found: list[int] = []
    cursor, chunk, examined, exhausted = before, 200, 0, False
    while len(found) <= limit and examined < MAX_TEXT_SCAN:
        scope = rows if cursor is None else rows.filter(id__lt=cursor)
        batch = list(scope.order_by("-id").values_list("id", "entry_id")[:chunk])
        examined += len(batch)
        if batch:
            hits = set(
                Entry.objects.filter(pk__in=[entry_id for _, entry_id in batch])
                .annotate(searched=_searched_text())
                .filter(searched__icontains=wanted.text)
                .values_list("id", flat=True)
            )
            found += [posting_id for posting_id, entry_id in batch if entry_id in hits]
            cursor = batch[-1][0]
        if len(batch) < chunk:
            exhausted = True
            break
        chunk = min(chunk * 4, 20_000)
    if len(found) > limit:
        return found[:limit], found[limit - 1]
    return found, None if exhausted else cursor


def history_page(*, account: Account, wanted: HistoryFilter, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of the account's transactions matching ``wanted``, newest first, older than ``before``.

    A page with a text filter may hold fewer than ``limit`` and still have a next page (the search
    stops after ``MAX_TEXT_SCAN`` postings a request).
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if wanted.text:
        ids, next_before = _text_page(account=account, wanted=wanted, before=before, limit=limit)
        chosen = Posting.objects.filter(pk__in=ids).order_by("-id").values_list(*_FIELDS)
        return Page(items=_transactions(account, list(chosen)), next_before=next_before)
    rows = _filtered(account, wanted)
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = list(rows.order_by("-id").values_list(*_FIELDS)[: limit + 1])
    items = _transactions(account, found[:limit])
    return Page(items=items, next_before=items[-1].id if len(found) > limit else None)


def history_iter(*, account: Account, wanted: HistoryFilter, chunk: int = 2000) -> Iterator[Transaction]:
    """Every matching transaction, newest first, read a chunk at a time (for exports of any length)."""
    before: int | None = None
    while True:
        page = history_page(account=account, wanted=wanted, before=before, limit=MAX_PAGE_SIZE)
        yield from page.items
        if page.next_before is None:
            return
        before = page.next_before


def transaction_get(*, account: Account, posting_id: int) -> Transaction | None:
    """One transaction of this account; None when the posting is another account's."""
    rows = list(Posting.objects.filter(pk=posting_id, account_id=account.ledger_account_id).values_list(*_FIELDS)[:1])
    items = _transactions(account, rows)
    return items[0] if items else None


@dataclass(frozen=True)
class BalancePoint:
    day: date
    balance: Money


def balance_series(*, account: Account, days: int, today: date) -> list[BalancePoint]:
    """The balance at the end of each of the last ``days`` bank days, oldest first.

    One index probe a day (the last posting before the day's end), however long the history; on
    PostgreSQL all of them in one statement.
    """
    opened = account.opened_at.astimezone(bank_zone()).date()
    wanted = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    wanted = [day for day in wanted if day >= opened]
    ends = [day_start(day + timedelta(days=1)) for day in wanted]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT p.balance_after_minor FROM ledger_posting p"
                "        WHERE p.account_id = %s AND p.created_at < e.at"
                "        ORDER BY p.created_at DESC, p.id DESC LIMIT 1)"
                " FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS e(at, n) ORDER BY e.n",
                [account.ledger_account_id, ends],
            )
            balances = [row[0] for row in cursor.fetchall()]
    else:
        balances = [
            Posting.objects.filter(account_id=account.ledger_account_id, created_at__lt=end)
            .order_by("-created_at", "-id")
            .values_list("balance_after_minor", flat=True)
            .first()
            for end in ends
        ]
    return [
        BalancePoint(day=day, balance=Money(balance or 0, account.currency))
        for day, balance in zip(wanted, balances, strict=True)
    ]
