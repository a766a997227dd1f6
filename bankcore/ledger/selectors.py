"""Every read of the ledger. Balances come from stored columns (O(1)), never from summing."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bankcore.ledger.errors import UnknownAccount, UnknownEntry, UnknownHold
from bankcore.ledger.models import Entry, Hold, LedgerAccount, Posting
from bankcore.ledger.values import AccountView, EntryView, HoldView, Leg, PostingLine, PostingPage, ReconcileReport
from bankcore.money import Money, MoneyError

MAX_PAGE = 500


def balance(*, account_id: int) -> Money:
    """The account's balance from the holder's side (customer money is positive)."""
    row = LedgerAccount.objects.filter(pk=account_id).values_list("balance_minor", "currency").first()
    if row is None:
        raise UnknownAccount(f"no ledger account {account_id}")
    return Money(row[0], row[1])


def available_balance(*, account_id: int) -> Money:
    """The balance minus active holds: what can be spent now (before any overdraft)."""
    row = LedgerAccount.objects.filter(pk=account_id).values_list("balance_minor", "held_minor", "currency").first()
    if row is None:
        raise UnknownAccount(f"no ledger account {account_id}")
    return Money(row[0] - row[1], row[2])


def account_get(*, account_id: int) -> AccountView:
    account = LedgerAccount.objects.filter(pk=account_id).first()
    if account is None:
        raise UnknownAccount(f"no ledger account {account_id}")
    currency = account.currency
    return AccountView(
        id=account.pk,
        name=account.name,
        currency=currency,
        kind=account.kind,
        normal_side=account.normal_side,
        status=account.status,
        allow_negative=account.allow_negative,
        overdraft_limit=Money(account.overdraft_limit_minor, currency),
        balance=Money(account.balance_minor, currency),
        held=Money(account.held_minor, currency),
        available=Money(account.balance_minor - account.held_minor, currency),
    )


def _side(account_id: int) -> tuple[int, str]:
    row = LedgerAccount.objects.filter(pk=account_id).values_list("normal_side", "currency").first()
    if row is None:
        raise UnknownAccount(f"no ledger account {account_id}")
    return (-1 if row[0] == LedgerAccount.NormalSide.CREDIT else 1), row[1]


def balance_at(*, account_id: int, at: datetime) -> Money:
    """The balance as it stood at ``at`` (the balance after the last posting up to then)."""
    _, currency = _side(account_id)
    last = (
        Posting.objects.filter(account_id=account_id, created_at__lte=at)
        .order_by("-created_at", "-id")
        .values_list("balance_after_minor", flat=True)
        .first()
    )
    return Money(last or 0, currency)


def posting_list(*, account_id: int, before: int | None = None, limit: int = 50) -> PostingPage:
    """A page of the account's postings, newest first; pass ``next_before`` on for older ones.

    Keyset pagination on the posting id: a page deep in history costs the same as the first.
    """
    rows = Posting.objects.filter(account_id=account_id)
    if before is not None:
        rows = rows.filter(id__lt=before)
    return _posting_page(account_id, rows.order_by("-id"), limit=max(1, min(limit, MAX_PAGE)))


def _posting_page(account_id: int, ordered: QuerySet[Posting], *, limit: int) -> PostingPage:
    """One keyset page of ``ordered`` postings of the account, with one more row read to know if a next exists."""
    sign, currency = _side(account_id)
    page = list(
        ordered.values_list(
            "id",
            "entry_id",
            "amount_minor",
            "balance_after_minor",
            "created_at",
            "entry__kind",
            "entry__description",
            "entry__idempotency_key",
            "entry__metadata",
        )[: limit + 1]
    )
    items = [
        PostingLine(
            posting_id=row[0],
            entry_id=row[1],
            amount=Money(sign * row[2], currency),
            balance_after=Money(row[3], currency),
            created_at=row[4],
            kind=row[5],
            description=row[6],
            idempotency_key=row[7],
            metadata=row[8] if isinstance(row[8], dict) else {},
        )
        for row in page[:limit]
    ]
    return PostingPage(items=items, next_before=items[-1].posting_id if len(page) > limit else None)


def entry_get(*, entry_id: int) -> EntryView:
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise UnknownEntry(f"no entry {entry_id}")
    legs = tuple(
        Leg(account_id, Money(amount_minor, currency))
        for account_id, amount_minor, currency in entry.postings.order_by("id").values_list(
            "account_id", "amount_minor", "currency"
        )
    )
    reversed_by = Entry.objects.filter(reverses_id=entry_id).values_list("id", flat=True).first()
    return EntryView(
        id=entry.pk,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        description=entry.description,
        metadata=dict(entry.metadata),
        reverses_id=entry.reverses_id,
        reversed_by_id=reversed_by,
        created_at=entry.created_at,
        legs=legs,
    )


def entry_id_by_key(*, idempotency_key: str) -> int | None:
    return Entry.objects.filter(idempotency_key=idempotency_key).values_list("id", flat=True).first()


def hold_get(*, hold_id: int) -> HoldView:
    hold = Hold.objects.filter(pk=hold_id).first()
    if hold is None:
        raise UnknownHold(f"no hold {hold_id}")
    return HoldView(
        id=hold.pk,
        account_id=hold.account_id,
        amount=Money(hold.amount_minor, hold.currency),
        captured=Money(hold.captured_minor, hold.currency),
        status=hold.status,
        expires_at=hold.expires_at,
        capture_entry_id=hold.capture_entry_id,
    )


def _amount(minor: int, currency: str) -> str:
    """An amount for a drift message; corrupted rows (unknown currency, out of range) in minor units."""
    try:
        return str(Money(int(minor), currency))
    except MoneyError:
        return f"{minor} {currency}"


def reconcile() -> ReconcileReport:
    """Prove the stored figures from the postings; every mismatch is named in ``drifts``.

    Checks: each account's balance equals the signed sum of its postings and the balance after
    its last posting; its held total equals its active holds; each entry's postings sum to zero
    per currency, carry their account's currency, and exist at all; each posting's entry exists.
    """
    drifts: list[str] = []
    last_after = Posting.objects.filter(account_id=OuterRef("pk")).order_by("-id").values("balance_after_minor")[:1]
    accounts = LedgerAccount.objects.annotate(
        posted=Coalesce(Sum("postings__amount_minor"), Value(0)),
        last_after=Subquery(last_after),
    ).values_list("id", "name", "currency", "normal_side", "balance_minor", "posted", "last_after")
    count = 0
    for account_id, name, currency, side, stored, posted, last in accounts.iterator(chunk_size=2000):
        count += 1
        expected = -posted if side == LedgerAccount.NormalSide.CREDIT else posted
        if stored != expected:
            drifts.append(
                f"account {account_id} {name!r}: stored balance {_amount(stored, currency)}"
                f" but its postings sum to {_amount(expected, currency)}"
            )
        elif last is not None and last != stored:
            drifts.append(
                f"account {account_id} {name!r}: stored balance {_amount(stored, currency)}"
                f" but its last posting left {_amount(last, currency)}"
            )
    held = LedgerAccount.objects.annotate(
        active=Coalesce(Sum("holds__amount_minor", filter=Q(holds__status=Hold.Status.ACTIVE)), Value(0))
    ).exclude(held_minor=F("active"))
    for account_id, name, currency, stored_held, active in held.values_list(
        "id", "name", "currency", "held_minor", "active"
    ):
        drifts.append(
            f"account {account_id} {name!r}: stored holds {_amount(stored_held, currency)}"
            f" but its active holds sum to {_amount(active, currency)}"
        )
    unbalanced = (
        Posting.objects.values("entry_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .order_by("entry_id")
    )
    for row in unbalanced:
        drifts.append(f"entry {row['entry_id']}: postings in {row['currency']} sum to {row['total']}, not zero")
    for posting_id, entry_id, currency, account_currency in (
        Posting.objects.exclude(currency=F("account__currency"))
        .order_by("id")
        .values_list("id", "entry_id", "currency", "account__currency")
    ):
        drifts.append(f"entry {entry_id}: posting {posting_id} in {currency} on a {account_currency} account")
    for entry_id in Entry.objects.filter(postings__isnull=True).order_by("id").values_list("id", flat=True):
        drifts.append(f"entry {entry_id}: has no postings")
    # No foreign key keeps a posting's entry or account (the database's guard refuses a missing one
    # at insert time); a posting left without one is drift like any other.
    orphans = (
        Posting.objects.annotate(
            has_entry=Exists(Entry.objects.filter(pk=OuterRef("entry_id"))),
            has_account=Exists(LedgerAccount.objects.filter(pk=OuterRef("account_id"))),
        )
        .filter(Q(has_entry=False) | Q(has_account=False))
        .order_by("id")
    )
    for posting_id, entry_id, account_id, has_entry, has_account in orphans.values_list(
        "id", "entry_id", "account_id", "has_entry", "has_account"
    ):
        if not has_entry:
            drifts.append(f"posting {posting_id}: names entry {entry_id}, which does not exist")
        if not has_account:
            drifts.append(f"posting {posting_id}: names ledger account {account_id}, which does not exist")
    return ReconcileReport(
        accounts=count,
        entries=Entry.objects.count(),
        postings=Posting.objects.count(),
        drifts=drifts,
    )


# --- statements and interest ---------------------------------------------------------------------


def postings_between(
    *, account_id: int, start_at: datetime, end_at: datetime, after: int | None = None, limit: int = 1000
) -> PostingPage:
    """The account's postings with ``start_at <= created_at < end_at``, oldest first, a page at a time.

    Keyset on the posting id (per account, id order is posting order): pass ``next_before`` on as
    ``after`` for the next page. Each line carries the stored balance after it; nothing is summed.
    """
    rows = Posting.objects.filter(account_id=account_id, created_at__gte=start_at, created_at__lt=end_at)
    if after is not None:
        rows = rows.filter(id__gt=after)
    return _posting_page(account_id, rows.order_by("id"), limit=max(1, min(limit, 10_000)))


def balance_before(*, account_id: int, before: datetime) -> Money:
    """The balance as it stood just before ``before`` (postings at exactly ``before`` excluded).

    A day's closing balance is ``balance_before`` the next day's first moment.
    """
    _, currency = _side(account_id)
    last = (
        Posting.objects.filter(account_id=account_id, created_at__lt=before)
        .order_by("-created_at", "-id")
        .values_list("balance_after_minor", flat=True)
        .first()
    )
    return Money(last or 0, currency)


_BULK_CHUNK = 5000


def balances_before(*, account_ids: list[int], before: datetime) -> dict[int, int]:
    """Many accounts' balances (minor units) just before ``before``, in one query per 5,000 accounts.

    Each account's figure is the stored ``balance_after`` of its last posting before the moment
    (one index probe per account on ``(account, created_at)``); an account without one is 0.
    """
    result: dict[int, int] = {}
    last = (
        Posting.objects.filter(account_id=OuterRef("pk"), created_at__lt=before)
        .order_by("-created_at", "-id")
        .values("balance_after_minor")[:1]
    )
    for start in range(0, len(account_ids), _BULK_CHUNK):
        chunk = account_ids[start : start + _BULK_CHUNK]
        rows = (
            LedgerAccount.objects.filter(pk__in=chunk)
            .annotate(closing=Coalesce(Subquery(last), Value(0)))
            .values_list("id", "closing")
        )
        result.update({int(account_id): int(closing) for account_id, closing in rows})
    return result


def postings_count_between(*, account_id: int, start_at: datetime, end_at: datetime) -> int:
    """How many postings the account has with ``start_at <= created_at < end_at`` (one index range)."""
    return Posting.objects.filter(account_id=account_id, created_at__gte=start_at, created_at__lt=end_at).count()
