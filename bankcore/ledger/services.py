"""Every write to the ledger. Money moves only through these functions.

Two implementations of posting share one set of rules:
- on PostgreSQL the hot path (``post_entry``, ``transfer``, ``entry_reverse``) is one call of the
  ``ledger_post`` database function (bankcore/ledger/sql/ledger_post.sql): the accounts stay locked for a
  single statement, and outside a caller's transaction the statement commits on its own, so the
  locks are held for one round trip; a refusal comes back as an error (SQLSTATE ``LG001``) that
  undoes the call;
- everywhere else (SQLite, holds, batches) the same steps run through the ORM: lock the accounts
  in ascending id order, check every rule, then write.
Both check, per touched account in id order: currency, closed, frozen, credit-only (a debit on
an account that takes credits only), range, funds.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import psycopg
from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from bankcore import sql as server_sql
from bankcore.ledger import errors
from bankcore.ledger.errors import (
    AccountClosed,
    AccountCreditOnly,
    AccountFrozen,
    AccountNotEmpty,
    AlreadyReversed,
    AmountOutOfRange,
    CaptureExceedsHold,
    CurrencyMismatch,
    HoldNotActive,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAccount,
    InvalidAmount,
    InvalidRequest,
    LedgerBusy,
    LedgerError,
    SameAccount,
    Unbalanced,
    UnknownAccount,
    UnknownEntry,
    UnknownHold,
)
from bankcore.ledger.models import Entry, Hold, LedgerAccount, Posting
from bankcore.ledger.values import BatchResult, HoldRequest, HoldResult, Leg, TransferRequest
from bankcore.money import MAX_MINOR, Money, is_currency

__all__ = [
    "AccountClosed",
    "AccountCreditOnly",
    "AccountFrozen",
    "AccountNotEmpty",
    "AlreadyReversed",
    "AmountOutOfRange",
    "BatchResult",
    "CaptureExceedsHold",
    "CurrencyMismatch",
    "HoldNotActive",
    "HoldRequest",
    "HoldResult",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAccount",
    "InvalidAmount",
    "InvalidRequest",
    "LedgerBusy",
    "LedgerError",
    "Leg",
    "SameAccount",
    "TransferRequest",
    "Unbalanced",
    "UnknownAccount",
    "UnknownEntry",
    "UnknownHold",
    "account_close",
    "account_credit_only",
    "account_freeze",
    "account_open",
    "account_overdraft_set",
    "account_unfreeze",
    "entry_reverse",
    "hold_capture",
    "hold_create",
    "hold_extend",
    "hold_release",
    "holds_expire",
    "holds_keep",
    "post_batch",
    "post_entry",
    "transfer",
]

T = TypeVar("T")

# Deadlocks cannot happen between postings (ascending lock order) but can with other writers;
# serialization failures appear under REPEATABLE READ callers. Both are worth a few retries.
MAX_ATTEMPTS = 5
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
# ledger_post refuses by raising this, the refusal code in the hint and the message as the text.
_REFUSED_SQLSTATE = "LG001"
MAX_KEY_LENGTH = 200

Kind = Entry.Kind

# --- accounts -----------------------------------------------------------------------------------


def account_open(
    *,
    name: str,
    currency: str,
    allow_negative: bool = False,
    overdraft_limit_minor: int = 0,
    kind: str = LedgerAccount.Kind.CUSTOMER,
    normal_side: str = LedgerAccount.NormalSide.CREDIT,
) -> int:
    """Open a ledger account and return its id.

    ``allow_negative`` lets the balance go below zero without bound (internal accounts such as
    settlement); otherwise the available balance may go down to ``-overdraft_limit_minor``.
    Customer money is credit-normal (the default): it is what the bank owes, shown positive.
    """
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidAccount("an account needs a name of 1 to 200 characters")
    if not is_currency(currency):
        raise InvalidAccount(f"{currency!r} is not an active ISO 4217 currency", code="unknown_currency")
    if type(overdraft_limit_minor) is not int or not 0 <= overdraft_limit_minor <= MAX_MINOR:
        raise InvalidAccount("the overdraft limit is a non-negative number of minor units", code="invalid_policy")
    if kind not in LedgerAccount.Kind.values or normal_side not in LedgerAccount.NormalSide.values:
        raise InvalidAccount(f"unknown kind {kind!r} or normal side {normal_side!r}")
    account = LedgerAccount.objects.create(
        name=name.strip(),
        currency=currency,
        kind=kind,
        normal_side=normal_side,
        allow_negative=bool(allow_negative),
        overdraft_limit_minor=overdraft_limit_minor,
    )
    return account.pk


def _set_status(*, account_id: int, status: str, allowed_from: set[str]) -> None:
    with transaction.atomic():
        account = _lock_accounts([account_id])[account_id]
        if account.status == status:
            return
        if account.status not in allowed_from:
            raise AccountClosed(f"account {account_id} is closed")
        if status == LedgerAccount.Status.CLOSED and (account.balance_minor or account.held_minor):
            raise AccountNotEmpty(f"account {account_id} still has a balance or active holds")
        account.status = status
        # save() rather than update() so the change lands in the account's history.
        account.save(update_fields=["status"])


def account_freeze(*, account_id: int) -> None:
    """Stop every posting and new hold on the account (releasing holds stays possible)."""
    _set_status(account_id=account_id, status=LedgerAccount.Status.FROZEN, allowed_from={"open", "credit_only"})


def account_credit_only(*, account_id: int) -> None:
    """Let the account take credits only: debits and new holds are refused, captures of earlier holds are not."""
    _set_status(account_id=account_id, status=LedgerAccount.Status.CREDIT_ONLY, allowed_from={"open", "frozen"})


def account_unfreeze(*, account_id: int) -> None:
    """Let a frozen or credit-only account move money both ways again."""
    _set_status(account_id=account_id, status=LedgerAccount.Status.OPEN, allowed_from={"frozen", "credit_only"})


def account_close(*, account_id: int) -> None:
    """Close an empty account for good (zero balance, no active hold)."""
    _set_status(
        account_id=account_id, status=LedgerAccount.Status.CLOSED, allowed_from={"open", "frozen", "credit_only"}
    )


def account_overdraft_set(*, account_id: int, overdraft_limit_minor: int) -> None:
    """Set how far below zero the account's available balance may go (0: not at all).

    A limit below what is already used stops further debits; it never moves money.
    """
    if type(overdraft_limit_minor) is not int or not 0 <= overdraft_limit_minor <= MAX_MINOR:
        raise InvalidAccount("the overdraft limit is a non-negative number of minor units", code="invalid_policy")
    with transaction.atomic():
        account = _lock_accounts([account_id])[account_id]
        if account.status == LedgerAccount.Status.CLOSED:
            raise AccountClosed(f"account {account_id} is closed")
        if account.overdraft_limit_minor == overdraft_limit_minor:
            return
        account.overdraft_limit_minor = overdraft_limit_minor
        account.save(update_fields=["overdraft_limit_minor"])  # lands in the account's history


# --- posting ------------------------------------------------------------------------------------


def transfer(
    *,
    from_account_id: int,
    to_account_id: int,
    amount: Money,
    idempotency_key: str,
    description: str = "",
    metadata: dict[str, Any] | None = None,
) -> int:
    """Move ``amount`` from one account to another; returns the entry id.

    ``metadata`` is kept on the entry (``post_entry``'s, e.g. the counterparty and reference a
    statement shows). Posting again with the same key returns the first entry and changes
    nothing; the same key with a different request raises IdempotencyConflict.
    """
    legs = _transfer_legs(from_account_id=from_account_id, to_account_id=to_account_id, amount=amount)
    return _post(legs=legs, key=idempotency_key, kind=Kind.TRANSFER, description=description, metadata=metadata)


def post_entry(
    *,
    legs: Sequence[Leg],
    idempotency_key: str,
    kind: str = Kind.JOURNAL,
    description: str = "",
    metadata: dict[str, Any] | None = None,
) -> int:
    """Post one balanced entry of any number of legs; returns the entry id.

    Each leg is a debit (positive) or credit (negative) on one account; the legs must sum to
    zero in every currency and each leg's currency must be its account's.
    """
    if kind not in (Kind.JOURNAL, Kind.TRANSFER):
        raise InvalidRequest(f"entries of kind {kind!r} are made by their own service")
    return _post(legs=list(legs), key=idempotency_key, kind=kind, description=description, metadata=metadata)


def entry_reverse(*, entry_id: int, reason: str, idempotency_key: str | None = None) -> int:
    """Post the exact opposite of an entry, linked to it; returns the reversing entry's id.

    An entry is reversed at most once; a reversal is not itself reversible (post a new entry).
    Reversing with the same key again returns the first reversal.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequest("a reversal needs a reason", code="reason_required")
    reason = reason.strip()
    if type(entry_id) is not int:
        raise UnknownEntry(f"no entry {entry_id!r}")
    original = Entry.objects.filter(pk=entry_id).values("kind").first()
    if original is None:
        raise UnknownEntry(f"no entry {entry_id}")
    if original["kind"] == Kind.REVERSAL:
        raise AlreadyReversed(f"entry {entry_id} is a reversal; post a new entry instead", code="reversal_of_reversal")
    key = idempotency_key or f"reversal:{entry_id}"
    legs = [
        Leg(account_id, Money(-amount_minor, currency))
        for account_id, amount_minor, currency in Posting.objects.filter(entry_id=entry_id)
        .order_by("id")
        .values_list("account_id", "amount_minor", "currency")
    ]
    description = f"Reversal of entry {entry_id}: {reason}"
    fingerprint = _fingerprint(
        legs=legs, kind=Kind.REVERSAL, description=description, reverses_id=entry_id, metadata={"reason": reason}
    )
    earlier = Entry.objects.filter(reverses_id=entry_id).values_list("id", "idempotency_key", "fingerprint").first()
    if earlier is not None:
        if earlier[1] == key and earlier[2] == fingerprint:
            return int(earlier[0])
        raise AlreadyReversed(f"entry {entry_id} was already reversed by entry {earlier[0]}")
    return _post(
        legs=legs,
        key=key,
        kind=Kind.REVERSAL,
        description=description,
        metadata={"reason": reason},
        reverses_id=entry_id,
    )


def _transfer_legs(*, from_account_id: int, to_account_id: int, amount: Money) -> list[Leg]:
    _check_transfer(from_account_id=from_account_id, to_account_id=to_account_id, amount=amount)
    return [Leg.debit(from_account_id, amount), Leg.credit(to_account_id, amount)]


def _check_transfer(*, from_account_id: int, to_account_id: int, amount: object) -> None:
    _check_positive(amount)
    if from_account_id == to_account_id:
        raise SameAccount("a transfer needs two different accounts")


def _check_positive(amount: object) -> Money:
    if not isinstance(amount, Money):
        raise InvalidAmount(f"amounts are Money values, not {type(amount).__name__}")
    if amount.minor <= 0:
        raise InvalidAmount(f"the amount must be positive, not {amount}")
    return amount


def _check_key(key: object) -> str:
    # NUL: PostgreSQL text cannot hold it (a database error there, silently kept by SQLite).
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise InvalidRequest(f"an idempotency key is 1 to {MAX_KEY_LENGTH} characters", code="invalid_idempotency_key")
    return key


def _check_description(description: object) -> str:
    if not isinstance(description, str) or "\x00" in description:
        raise InvalidRequest("the description is text without NUL characters", code="invalid_description")
    return description


def _check_metadata(metadata: object) -> None:
    """A JSON object PostgreSQL's jsonb accepts: no NaN or infinity, no NUL character."""
    if metadata is None:
        return
    try:
        text = json.dumps(metadata, allow_nan=False) if isinstance(metadata, dict) else ""
    except (TypeError, ValueError):
        text = ""
    if not text or "\\u0000" in text:
        raise InvalidRequest("metadata is a JSON object of text, numbers and lists", code="invalid_metadata")


def _storable_id(account_id: int) -> bool:
    """Whether a BIGINT column can hold ``account_id`` (any other id names no account)."""
    return -MAX_MINOR - 1 <= account_id <= MAX_MINOR


def _check_legs(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise Unbalanced("an entry needs at least two legs")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg, Leg) or not isinstance(leg.amount, Money):
            raise InvalidAmount("every leg is a Leg with a Money amount")
        if type(leg.account_id) is not int or not _storable_id(leg.account_id):
            raise UnknownAccount(f"no ledger account {leg.account_id!r}")
        if leg.amount.minor == 0:
            raise InvalidAmount("a leg cannot be zero")
        totals[leg.amount.currency] += leg.amount.minor
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise Unbalanced(f"the legs do not sum to zero: {unbalanced}")


def _fingerprint(
    *,
    legs: Sequence[Leg],
    kind: str,
    description: str,
    reverses_id: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> str:
    canonical = sorted((leg.account_id, leg.amount.minor, leg.amount.currency) for leg in legs)
    return _fingerprint_of(canonical, kind, description, reverses_id, metadata)


def _transfer_fingerprint(request: TransferRequest, metadata: dict[str, Any] | None = None) -> str:
    """What ``_fingerprint`` gives the transfer's two legs, without building them (batches).

    With the same ``metadata`` it is the fingerprint ``transfer`` gives the same request, so a
    key is judged alike whichever of the two posted it first.
    """
    minor, currency = request.amount.minor, request.amount.currency
    canonical = sorted([(request.from_account_id, minor, currency), (request.to_account_id, -minor, currency)])
    return _fingerprint_of(canonical, Kind.TRANSFER, request.description, None, metadata)


def _fingerprint_of(
    canonical: list[tuple[int, int, str]],
    kind: str,
    description: str,
    reverses_id: int | None,
    metadata: dict[str, Any] | None,
) -> str:
    if metadata:
        # Only when present, so entries without metadata keep the fingerprint they always had.
        parts: list[Any] = [kind, description, reverses_id, canonical, metadata]
        text = json.dumps(parts, separators=(",", ":"), sort_keys=True)
    else:
        # The same text json.dumps makes of [kind, description, reverses_id, canonical], written
        # out (a batch computes a thousand): kinds are fixed words, ids and amounts integers and
        # currencies ISO codes (Money checks), so only the description needs JSON escaping.
        legs_text = ",".join(f'[{account},{minor},"{currency}"]' for account, minor, currency in canonical)
        reverses = "null" if reverses_id is None else str(int(reverses_id))
        text = f'["{kind}",{json.dumps(description)},{reverses},[{legs_text}]]'
    return hashlib.sha256(text.encode()).hexdigest()


def _post(
    *,
    legs: list[Leg],
    key: str,
    kind: str,
    description: str,
    metadata: dict[str, Any] | None = None,
    reverses_id: int | None = None,
) -> int:
    _check_key(key)
    _check_legs(legs)
    _check_description(description)
    _check_metadata(metadata)
    meta = metadata or {}
    fingerprint = _fingerprint(legs=legs, kind=kind, description=description, reverses_id=reverses_id, metadata=meta)
    if connection.vendor == "postgresql":
        return _retrying(lambda: _post_sql(legs, key, kind, description, meta, fingerprint, reverses_id))
    return _retrying(lambda: _post_orm(legs, key, kind, description, meta, fingerprint, reverses_id))


_POST_SQL = (
    "SELECT out_entry_id, out_outcome, out_detail FROM ledger_post("
    "%s, %s, %s, %s::jsonb, %s, %s::bigint, %s::bigint[], %s::bigint[], %s::text[])"
)


def _post_sql(
    legs: list[Leg],
    key: str,
    kind: str,
    description: str,
    metadata: dict[str, Any],
    fingerprint: str,
    reverses_id: int | None,
) -> int:
    params = [
        key,
        kind,
        description,
        json.dumps(metadata),
        fingerprint,
        reverses_id,
        # Array literals written here: psycopg's list dumpers cost a transfer more client CPU
        # than the rest of the call. Ids and amounts are ints and currencies ISO codes (Money
        # checks both), so nothing needs quoting.
        "{" + ",".join([str(leg.account_id) for leg in legs]) + "}",
        "{" + ",".join([str(leg.amount.minor) for leg in legs]) + "}",
        "{" + ",".join([leg.amount.currency for leg in legs]) + "}",
    ]
    # Inside a caller's transaction, a savepoint: the refusal undoes the call and the caller's
    # transaction stays usable. On its own the call is its own transaction.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with savepoint:
            entry_id, outcome, detail = _call_one_row(_POST_SQL, params)
    except DatabaseError as exc:
        cause = exc.__cause__
        if not isinstance(cause, psycopg.Error) or cause.sqlstate != _REFUSED_SQLSTATE:
            raise
        raise errors.from_code(cause.diag.message_hint or "", cause.diag.message_primary or "") from None
    if outcome in ("posted", "replayed"):
        return int(entry_id)
    raise errors.from_code(outcome, detail)


def _call_one_row(sql: str, params: Sequence[object], *, binary: bool = False) -> tuple[Any, ...]:
    """Run one of the ledger's functions (PostgreSQL), bound on the server (``bankcore.sql``); its single row."""
    (row,) = server_sql.rows(sql, params, binary=binary)
    return row


def _post_orm(
    legs: list[Leg],
    key: str,
    kind: str,
    description: str,
    metadata: dict[str, Any],
    fingerprint: str,
    reverses_id: int | None,
) -> int:
    try:
        with transaction.atomic():
            replayed = _replay(key, fingerprint)
            if replayed is not None:
                return replayed
            accounts = _lock_accounts(leg.account_id for leg in legs)
            postings = _plan(accounts, legs)
            entry = Entry.objects.create(
                idempotency_key=key,
                kind=kind,
                description=description,
                metadata=metadata,
                fingerprint=fingerprint,
                reverses_id=reverses_id,
                created_at=postings[0].created_at,
            )
            _write(entry, postings, accounts.values())
            return entry.pk
    except IntegrityError:
        # A concurrent post won the race for this key (or reversed the same entry).
        replayed = _replay(key, fingerprint)
        if replayed is not None:
            return replayed
        if reverses_id is not None and Entry.objects.filter(reverses_id=reverses_id).exists():
            raise AlreadyReversed(f"entry {reverses_id} was already reversed") from None
        raise


def _replay(key: str, fingerprint: str) -> int | None:
    """The first entry posted with ``key``, if its request was the same one."""
    row = Entry.objects.filter(idempotency_key=key).values_list("id", "fingerprint").first()
    if row is None:
        return None
    if row[1] != fingerprint:
        raise IdempotencyConflict(f"idempotency key {key!r} was used for a different request")
    return int(row[0])


def _lock_accounts(ids: Iterable[int], *, strict: bool = True) -> dict[int, LedgerAccount]:
    """Lock the accounts FOR UPDATE in ascending id order (one statement; no deadlocks)."""
    wanted = sorted(set(ids))
    # Ids beyond BIGINT cannot be queried (SQLite raises OverflowError): they match no row.
    storable = [account_id for account_id in wanted if _storable_id(account_id)]
    locked = {
        account.pk: account
        for account in LedgerAccount.objects.select_for_update().filter(pk__in=storable).order_by("pk")
    }
    if strict:
        missing = [account_id for account_id in wanted if account_id not in locked]
        if missing:
            raise UnknownAccount(f"no ledger account {missing[0]}")
    return locked


def _holder_delta(account: LedgerAccount, debit_minor: int) -> int:
    """How a debit-positive amount changes the balance seen from the holder's side."""
    return -debit_minor if account.normal_side == LedgerAccount.NormalSide.CREDIT else debit_minor


def _check_account(account: LedgerAccount, debit_minor: int, *, released_minor: int = 0, capture: bool = False) -> None:
    """Refuse what ``debit_minor`` (the account's net leg) would break; raises, writes nothing.

    ``capture``: the debit takes money a hold reserved before, which a credit-only account allows.
    """
    if account.status == LedgerAccount.Status.CLOSED:
        raise AccountClosed(f"account {account.pk} is closed")
    if account.status == LedgerAccount.Status.FROZEN:
        raise AccountFrozen(f"account {account.pk} is frozen")
    if account.status == LedgerAccount.Status.CREDIT_ONLY and debit_minor > 0 and not capture:
        raise AccountCreditOnly(f"account {account.pk} takes credits only")
    delta = _holder_delta(account, debit_minor)
    new_balance = account.balance_minor + delta
    if abs(new_balance) > MAX_MINOR:
        raise AmountOutOfRange(f"the balance of account {account.pk} would leave the 64-bit range")
    available = new_balance - (account.held_minor - released_minor)
    if delta < 0 and not account.allow_negative and available < -account.overdraft_limit_minor:
        raise InsufficientFunds(f"account {account.pk} has not enough available funds")


def _plan(
    accounts: dict[int, LedgerAccount], legs: Sequence[Leg], *, released: dict[int, int] | None = None
) -> list[Posting]:
    """Check the legs against the locked accounts, then apply them in memory.

    Returns unsaved postings with their balance after; on refusal nothing was changed.
    """
    net: dict[int, int] = defaultdict(int)
    for leg in legs:
        net[leg.account_id] += leg.amount.minor
    for account_id in sorted(net):
        account = accounts.get(account_id)
        if account is None:
            raise UnknownAccount(f"no ledger account {account_id}")
        if any(leg.account_id == account_id and leg.amount.currency != account.currency for leg in legs):
            raise CurrencyMismatch(f"account {account_id} holds {account.currency}")
        _check_account(
            account,
            net[account_id],
            released_minor=(released or {}).get(account_id, 0),
            capture=account_id in (released or {}),
        )
    now = timezone.now()
    postings = []
    for leg in legs:
        account = accounts[leg.account_id]
        account.balance_minor += _holder_delta(account, leg.amount.minor)
        postings.append(
            Posting(
                account_id=account.pk,
                amount_minor=leg.amount.minor,
                currency=leg.amount.currency,
                balance_after_minor=account.balance_minor,
                created_at=now,
            )
        )
    return postings


def _write(entry: Entry, postings: list[Posting], accounts: Iterable[LedgerAccount]) -> None:
    for posting in postings:
        posting.entry = entry
    Posting.objects.bulk_create(postings)
    touched = {posting.account_id for posting in postings}
    for account in accounts:
        if account.pk in touched:
            LedgerAccount.objects.filter(pk=account.pk).update(
                balance_minor=account.balance_minor, held_minor=account.held_minor
            )


def _retrying(operation: Callable[[], T]) -> T:
    """Run ``operation``, retrying deadlocks and serialization failures a bounded number of times.

    Inside a caller's transaction nothing can be retried (the transaction is lost): the
    conflict surfaces at once as LedgerBusy and the caller's transaction rolls back.
    """
    for attempt in range(MAX_ATTEMPTS):
        try:
            return operation()
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                raise
            if connection.in_atomic_block:
                raise LedgerBusy("a concurrent transaction conflicted; retry the whole operation") from exc
            # Jittered backoff so the contenders do not collide again in lockstep.
            time.sleep(random.uniform(0, 0.002 * 2**attempt))  # noqa: S311 - jitter, not secrecy
    raise LedgerBusy(f"still conflicting after {MAX_ATTEMPTS} attempts; try again")


# --- batches ------------------------------------------------------------------------------------


def post_batch(
    *, transfers: Sequence[TransferRequest], metadata: Mapping[str, dict[str, Any]] | None = None
) -> list[BatchResult]:
    """Post many independent transfers in one database transaction; one result per transfer.

    A refused transfer (bad amount, unknown/closed/frozen account, funds, key reused) leaves no
    trace and does not stop the others; they are applied in the given order, so an earlier
    transfer may fund a later one. ``metadata`` (by idempotency key) is kept on each transfer's
    entry and counts in its fingerprint exactly as ``transfer``'s ``metadata`` does.
    """
    extra = metadata or {}
    for attempt in range(MAX_ATTEMPTS):
        try:
            return _retrying(lambda: _post_batch_once(transfers, extra))
        except IntegrityError:
            # Another transaction committed one of our keys meanwhile: the retry replays it.
            if connection.in_atomic_block or attempt == MAX_ATTEMPTS - 1:
                raise LedgerBusy("a concurrent post used the same idempotency key; try again") from None
    raise LedgerBusy("unreachable")  # pragma: no cover


def _refused(key: str, error: LedgerError) -> BatchResult:
    return BatchResult(idempotency_key=key, posted=False, code=error.code, message=str(error))


def _post_batch_once(transfers: Sequence[TransferRequest], extra: Mapping[str, dict[str, Any]]) -> list[BatchResult]:
    results: list[BatchResult | None] = [None] * len(transfers)
    prepared: list[tuple[int, TransferRequest, str]] = []
    metadata: dict[str, dict[str, Any]] = {}
    for index, request in enumerate(transfers):
        key = getattr(request, "idempotency_key", "")
        try:
            if not isinstance(request, TransferRequest):
                raise InvalidRequest("every item is a TransferRequest")
            _check_key(request.idempotency_key)
            _check_description(request.description)
            _check_transfer(
                from_account_id=request.from_account_id, to_account_id=request.to_account_id, amount=request.amount
            )
            meta = extra.get(request.idempotency_key)
            _check_metadata(meta)
            fingerprint = _transfer_fingerprint(request, meta)
        except LedgerError as error:
            results[index] = _refused(str(key), error)
            continue
        if meta:
            metadata[request.idempotency_key] = meta
        prepared.append((index, request, fingerprint))

    if connection.vendor == "postgresql":
        return _post_batch_sql(transfers, results, prepared, metadata)
    return _post_batch_orm(transfers, results, prepared, metadata)


def _post_batch_orm(
    transfers: Sequence[TransferRequest],
    results: list[BatchResult | None],
    prepared: list[tuple[int, TransferRequest, str]],
    metadata: Mapping[str, dict[str, Any]],
) -> list[BatchResult]:
    """The batch through the ORM (SQLite): the same rules, in the same order, as ``ledger_post_batch``."""
    with transaction.atomic():
        keys = [request.idempotency_key for _, request, _ in prepared]
        earlier = {
            key: (entry_id, fingerprint)
            for key, entry_id, fingerprint in Entry.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", "id", "fingerprint"
            )
        }
        accounts = _lock_accounts(
            (
                account_id
                for _, request, _ in prepared
                for account_id in (request.from_account_id, request.to_account_id)
                if type(account_id) is int
            ),
            strict=False,
        )
        now = timezone.now()
        new_entries: list[Entry] = []
        new_postings: list[tuple[Entry, list[Posting]]] = []
        in_batch: dict[str, tuple[str, Entry]] = {}
        replays: list[tuple[int, str, Entry]] = []
        for index, request, fingerprint in prepared:
            key = request.idempotency_key
            try:
                if key in earlier:
                    if earlier[key][1] != fingerprint:
                        raise IdempotencyConflict(f"idempotency key {key!r} was used for a different request")
                    results[index] = BatchResult(
                        idempotency_key=key, posted=True, entry_id=earlier[key][0], replayed=True
                    )
                    continue
                if key in in_batch:
                    if in_batch[key][0] != fingerprint:
                        raise IdempotencyConflict(f"idempotency key {key!r} appears twice with different requests")
                    replays.append((index, key, in_batch[key][1]))
                    continue
                legs = _transfer_legs(
                    from_account_id=request.from_account_id, to_account_id=request.to_account_id, amount=request.amount
                )
                postings = _plan(accounts, legs)
            except LedgerError as error:
                results[index] = _refused(key, error)
                continue
            entry = Entry(
                idempotency_key=key,
                kind=Kind.TRANSFER,
                description=request.description,
                metadata=metadata.get(key, {}),
                fingerprint=fingerprint,
                created_at=now,
            )
            for posting in postings:
                posting.created_at = now
            new_entries.append(entry)
            new_postings.append((entry, postings))
            in_batch[key] = (fingerprint, entry)
            results[index] = BatchResult(idempotency_key=key, posted=True)  # entry id filled in below
        if new_entries:
            Entry.objects.bulk_create(new_entries)
            rows = []
            for entry, postings in new_postings:
                for posting in postings:
                    posting.entry_id = entry.pk
                    rows.append(posting)
            Posting.objects.bulk_create(rows)
            _store_balances([accounts[account_id] for account_id in {p.account_id for p in rows}])
    final: list[BatchResult] = []
    entry_by_key = {entry.idempotency_key: entry.pk for entry in new_entries}
    replayed_index = {index for index, _, _ in replays}
    for index, result in enumerate(results):
        assert result is not None or index in replayed_index
        if index in replayed_index:
            key = transfers[index].idempotency_key
            final.append(BatchResult(idempotency_key=key, posted=True, entry_id=entry_by_key[key], replayed=True))
        elif result is not None and result.posted and result.entry_id is None:
            final.append(
                BatchResult(
                    idempotency_key=result.idempotency_key, posted=True, entry_id=entry_by_key[result.idempotency_key]
                )
            )
        elif result is not None:
            final.append(result)
    return final


_POST_BATCH_SQL = (
    "SELECT out_entry_ids, out_outcomes, out_details FROM ledger_post_batch("
    "%b::text[], %b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[])"
)


def _post_batch_sql(
    transfers: Sequence[TransferRequest],
    results: list[BatchResult | None],
    prepared: list[tuple[int, TransferRequest, str]],
    metadata: Mapping[str, dict[str, Any]],
) -> list[BatchResult]:
    """The whole batch in one call of ``ledger_post_batch`` (sql/ledger_post_batch.sql): one round trip."""
    sendable = []
    for index, request, fingerprint in prepared:
        # Ids the database cannot hold name no account; descriptions are text (as in ``_post``).
        for account_id in (request.from_account_id, request.to_account_id):
            if type(account_id) is not int or not _storable_id(account_id):
                results[index] = _refused(request.idempotency_key, UnknownAccount(f"no ledger account {account_id}"))
                break
        else:
            if isinstance(request.description, str):
                sendable.append((index, request, fingerprint))
            else:
                results[index] = _refused(request.idempotency_key, InvalidRequest("the description is text"))
    if sendable:
        params = [
            [request.idempotency_key for _, request, _ in sendable],
            [request.from_account_id for _, request, _ in sendable],
            [request.to_account_id for _, request, _ in sendable],
            [request.amount.minor for _, request, _ in sendable],
            [request.amount.currency for _, request, _ in sendable],
            [request.description for _, request, _ in sendable],
            [fingerprint for _, _, fingerprint in sendable],
            # JSON text, cast to jsonb by the function: one array of text travels as it is.
            [
                json.dumps(metadata[r.idempotency_key]) if r.idempotency_key in metadata else "{}"
                for _, r, _ in sendable
            ],
        ]
        # atomic: a failure (a key taken concurrently) leaves a caller's transaction usable.
        with transaction.atomic():
            # Binary both ways (%b): arrays of a thousand texts travel as they are, not quoted and parsed.
            entry_ids, outcomes, details = _call_one_row(_POST_BATCH_SQL, params, binary=True)
        for (index, request, _), entry_id, outcome, detail in zip(sendable, entry_ids, outcomes, details, strict=True):
            key = request.idempotency_key
            if outcome in ("posted", "replayed"):
                results[index] = BatchResult(
                    idempotency_key=key, posted=True, entry_id=int(entry_id), replayed=outcome == "replayed"
                )
            else:
                results[index] = _refused(key, errors.from_code(outcome, detail))
    final = [result for result in results if result is not None]
    assert len(final) == len(transfers)
    return final


def _store_balances(accounts: list[LedgerAccount]) -> None:
    if not accounts:
        return
    if connection.vendor == "postgresql":
        # One statement for any number of accounts (bulk_update's CASE grows with every row).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_ledgeraccount AS a SET balance_minor = v.balance "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, balance) WHERE a.id = v.id",
                [[a.pk for a in accounts], [a.balance_minor for a in accounts]],
            )
    else:
        LedgerAccount.objects.bulk_update(accounts, ["balance_minor"], batch_size=500)


# --- holds --------------------------------------------------------------------------------------


def hold_create(
    *, account_id: int, amount: Money, idempotency_key: str, expires_at: datetime, now: datetime, description: str = ""
) -> int:
    """Reserve ``amount`` on an account until captured, released or ``expires_at``; returns the hold id.

    The reserved amount leaves the available balance at once (the balance is unchanged).
    Creating again with the same key returns the first hold; the same key with any other account,
    amount, expiry or description raises IdempotencyConflict.
    """
    _check_positive(amount)
    _check_key(idempotency_key)
    _check_description(description)
    if expires_at <= now:
        raise InvalidRequest("a hold must expire in the future", code="invalid_expiry")

    def create() -> int:
        with transaction.atomic():
            earlier = _hold_replay(idempotency_key, account_id, amount, expires_at, description)
            if earlier is not None:
                return earlier
            account = _lock_accounts([account_id])[account_id]
            if account.normal_side != LedgerAccount.NormalSide.CREDIT:
                raise InvalidRequest("holds reserve a holder's money: credit-normal accounts only", code="hold_refused")
            if amount.currency != account.currency:
                raise CurrencyMismatch(f"account {account_id} holds {account.currency}")
            if account.held_minor + amount.minor > MAX_MINOR:
                raise AmountOutOfRange("the total held would leave the 64-bit range")
            # A hold is a debit that is not posted yet: the same rules apply.
            _check_account(account, amount.minor)
            hold = Hold.objects.create(
                account_id=account_id,
                idempotency_key=idempotency_key,
                amount_minor=amount.minor,
                currency=amount.currency,
                expires_at=expires_at,
                description=description,
                created_at=now,
            )
            LedgerAccount.objects.filter(pk=account_id).update(held_minor=F("held_minor") + amount.minor)
            return hold.pk

    try:
        return _retrying(create)
    except IntegrityError:
        earlier = _hold_replay(idempotency_key, account_id, amount, expires_at, description)
        if earlier is None:
            raise
        return earlier


def hold_create_batch(*, holds: Sequence[HoldRequest], now: datetime) -> list[HoldResult]:
    """Create many holds in one database transaction; one result per hold, in the given order.

    Each follows the rules of ``hold_create`` (the same key again returns the first hold; funds,
    status and currency checked against what the holds before it reserved). A refused hold
    leaves no trace and does not stop the others. A bulk payout reserves a chunk's payments to
    other banks this way: a handful of statements instead of five per hold.
    """
    results: list[HoldResult | None] = [None] * len(holds)
    prepared: list[tuple[int, HoldRequest]] = []
    for index, request in enumerate(holds):
        try:
            _check_positive(request.amount)
            _check_key(request.idempotency_key)
            _check_description(request.description)
            if request.expires_at <= now:
                raise InvalidRequest("a hold must expire in the future", code="invalid_expiry")
        except LedgerError as error:
            results[index] = HoldResult(request.idempotency_key, False, code=error.code, message=str(error))
            continue
        prepared.append((index, request))
    for attempt in range(MAX_ATTEMPTS):
        try:
            return _retrying(lambda: _hold_create_batch_once(list(results), prepared, now))
        except IntegrityError:
            # Another transaction committed one of our keys meanwhile: the retry replays it.
            if connection.in_atomic_block or attempt == MAX_ATTEMPTS - 1:
                raise LedgerBusy("a concurrent hold used the same idempotency key; try again") from None
    raise LedgerBusy("unreachable")  # pragma: no cover


def _hold_create_batch_once(
    results: list[HoldResult | None], prepared: list[tuple[int, HoldRequest]], now: datetime
) -> list[HoldResult]:
    with transaction.atomic():
        earlier = {
            row[0]: row[1:]
            for row in Hold.objects.filter(idempotency_key__in=[r.idempotency_key for _, r in prepared]).values_list(
                "idempotency_key", "id", "account_id", "amount_minor", "currency", "expires_at", "description"
            )
        }
        accounts = _lock_accounts({r.account_id for _, r in prepared if r.idempotency_key not in earlier}, strict=False)
        made: list[tuple[int, Hold]] = []
        added: dict[int, int] = defaultdict(int)
        for index, request in prepared:
            key, amount = request.idempotency_key, request.amount
            try:
                if key in earlier:
                    hold_id, *stored = earlier[key]
                    asked = [request.account_id, amount.minor, amount.currency, request.expires_at, request.description]
                    if stored != asked:
                        raise IdempotencyConflict(f"idempotency key {key!r} was used for a different hold")
                    results[index] = HoldResult(key, True, hold_id=int(hold_id))
                    continue
                account = accounts.get(request.account_id)
                if account is None:
                    raise UnknownAccount(f"no ledger account {request.account_id}")
                if account.normal_side != LedgerAccount.NormalSide.CREDIT:
                    raise InvalidRequest(
                        "holds reserve a holder's money: credit-normal accounts only", code="hold_refused"
                    )
                if amount.currency != account.currency:
                    raise CurrencyMismatch(f"account {account.pk} holds {account.currency}")
                if account.held_minor + amount.minor > MAX_MINOR:
                    raise AmountOutOfRange("the total held would leave the 64-bit range")
                _check_account(account, amount.minor)
            except LedgerError as error:
                results[index] = HoldResult(key, False, code=error.code, message=str(error))
                continue
            account.held_minor += amount.minor  # the next hold of the batch sees this one's reservation
            added[account.pk] += amount.minor
            made.append(
                (
                    index,
                    Hold(
                        account_id=account.pk,
                        idempotency_key=key,
                        amount_minor=amount.minor,
                        currency=amount.currency,
                        expires_at=request.expires_at,
                        description=request.description,
                        created_at=now,
                    ),
                )
            )
        Hold.objects.bulk_create([hold for _, hold in made], batch_size=1000)
        for account_id, minor in sorted(added.items()):
            LedgerAccount.objects.filter(pk=account_id).update(held_minor=F("held_minor") + minor)
        for index, hold in made:
            results[index] = HoldResult(hold.idempotency_key, True, hold_id=hold.pk)
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def _hold_replay(key: str, account_id: int, amount: Money, expires_at: datetime, description: str) -> int | None:
    row = (
        Hold.objects.filter(idempotency_key=key)
        .values_list("id", "account_id", "amount_minor", "currency", "expires_at", "description")
        .first()
    )
    if row is None:
        return None
    if row[1:] != (account_id, amount.minor, amount.currency, expires_at, description):
        raise IdempotencyConflict(f"idempotency key {key!r} was used for a different hold")
    return int(row[0])


def _hold_account(hold_id: int) -> tuple[int, int, str]:
    row = Hold.objects.filter(pk=hold_id).values_list("account_id", "amount_minor", "currency").first()
    if row is None:
        raise UnknownHold(f"no hold {hold_id}")
    return int(row[0]), int(row[1]), str(row[2])


def _lock_active_hold(hold_id: int, now: datetime) -> Hold:
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    if hold.status != Hold.Status.ACTIVE:
        raise HoldNotActive(f"hold {hold_id} is {hold.status}")
    if hold.expires_at <= now:
        raise HoldNotActive(f"hold {hold_id} has expired")
    return hold


def hold_capture(
    *,
    hold_id: int,
    to_account_id: int,
    idempotency_key: str,
    now: datetime,
    amount: Money | None = None,
    description: str = "",
    metadata: dict[str, Any] | None = None,
) -> int:
    """Post the held money (all of it, or ``amount`` of it) to ``to_account_id``; returns the entry id.

    A partial capture releases the rest of the hold. Capturing again with the same key returns
    the first entry. ``metadata`` is kept on the entry beside the ``hold_id`` the capture records.
    """
    _check_key(idempotency_key)
    _check_description(description)
    _check_metadata(metadata)
    source_id, held_minor, currency = _hold_account(hold_id)
    capture = Money(held_minor, currency) if amount is None else _check_positive(amount)
    if capture.currency != currency:
        raise CurrencyMismatch(f"hold {hold_id} is in {currency}")
    if capture.minor > held_minor:
        raise CaptureExceedsHold(f"hold {hold_id} holds {Money(held_minor, currency)}")
    legs = _transfer_legs(from_account_id=source_id, to_account_id=to_account_id, amount=capture)
    fingerprint = _fingerprint(legs=legs, kind=Kind.HOLD_CAPTURE, description=description, reverses_id=None)

    def capture_once() -> int:
        with transaction.atomic():
            replayed = _capture_replay(idempotency_key, fingerprint, hold_id)
            if replayed is not None:
                return replayed
            accounts = _lock_accounts([source_id, to_account_id])
            hold = _lock_active_hold(hold_id, now)
            source = accounts[source_id]
            # The captured money was reserved: the source's check counts the hold as released.
            postings = _plan(accounts, legs, released={source_id: hold.amount_minor})
            source.held_minor -= hold.amount_minor
            entry = Entry.objects.create(
                idempotency_key=idempotency_key,
                kind=Kind.HOLD_CAPTURE,
                description=description,
                metadata=_capture_metadata(hold_id, metadata),
                fingerprint=fingerprint,
                created_at=postings[0].created_at,
            )
            _write(entry, postings, accounts.values())
            hold.status = Hold.Status.CAPTURED
            hold.captured_minor = capture.minor
            hold.capture_entry = entry
            hold.resolved_at = now
            hold.save(update_fields=["status", "captured_minor", "capture_entry", "resolved_at"])
            return entry.pk

    try:
        return _retrying(capture_once)
    except IntegrityError:
        replayed = _capture_replay(idempotency_key, fingerprint, hold_id)
        if replayed is None:
            raise
        return replayed


def _capture_metadata(hold_id: int, metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    # The hold's id always wins: a replayed capture is recognised by it.
    return {**(metadata or {}), "hold_id": hold_id}


def _capture_replay(key: str, fingerprint: str, hold_id: int) -> int | None:
    """The capture first posted with ``key``, if it captured this very hold.

    The fingerprint covers accounts, amount and description but not the hold: two alike holds
    share it, and replaying one's capture for the other would leave the other's money reserved.
    """
    replayed = _replay(key, fingerprint)
    if replayed is None:
        return None
    captured = Entry.objects.filter(pk=replayed).values_list("metadata", flat=True).first()
    if not isinstance(captured, dict) or captured.get("hold_id") != hold_id:
        raise IdempotencyConflict(f"idempotency key {key!r} was used to capture another hold")
    return replayed


def _hold_end(*, hold_id: int, now: datetime, status: str) -> bool:
    account_id, _, _ = _hold_account(hold_id)
    with transaction.atomic():
        account = _lock_accounts([account_id])[account_id]
        hold = Hold.objects.select_for_update().get(pk=hold_id)
        if hold.status != Hold.Status.ACTIVE:
            if hold.status == status:
                return False  # already done: running twice is harmless
            raise HoldNotActive(f"hold {hold_id} is {hold.status}")
        hold.status = status
        hold.resolved_at = now
        hold.save(update_fields=["status", "resolved_at"])
        LedgerAccount.objects.filter(pk=account.pk).update(held_minor=F("held_minor") - hold.amount_minor)
        return True


def hold_release(*, hold_id: int, now: datetime) -> None:
    """Give the held money back to the available balance (safe to call twice)."""
    _retrying(lambda: _hold_end(hold_id=hold_id, now=now, status=Hold.Status.RELEASED))


def hold_extend(*, hold_id: int, expires_at: datetime, now: datetime) -> None:
    """Keep an active hold until ``expires_at`` (never earlier than it was): a reason to hold outlived its term.

    Raises HoldNotActive for a hold captured, released or already expired: its money is no longer reserved.
    """
    with transaction.atomic():
        hold = _lock_active_hold(hold_id, now)
        if expires_at > hold.expires_at:
            hold.expires_at = expires_at
            hold.save(update_fields=["expires_at"])


# What a daily keeper extends: a week's margin survives a stopped beat for days.
KEEP_WITHIN = timedelta(days=7)


def holds_keep(
    *, hold_ids: Sequence[int], until: datetime, now: datetime, within: timedelta = KEEP_WITHIN
) -> tuple[int, list[int]]:
    """Keep the active holds among ``hold_ids`` that would end within ``within`` until ``until``
    (money reserved for something still undecided, such as a fraud case); safe to run twice.

    Returns how many were extended and the ids of those no longer reserving anything (captured,
    released or lapsed already), which the caller has to deal with.
    """
    extended, gone = 0, []
    due = now + within
    for hold_id, status, expires_at in (
        Hold.objects.filter(pk__in=hold_ids).order_by("pk").values_list("pk", "status", "expires_at")
    ):
        if status == Hold.Status.ACTIVE and expires_at > due:
            continue
        try:
            hold_extend(hold_id=hold_id, expires_at=until, now=now)
        except HoldNotActive:
            gone.append(hold_id)
            continue
        extended += 1
    return extended, gone


def holds_expire(*, now: datetime, limit: int = 1000) -> int:
    """Expire up to ``limit`` active holds whose time has come; returns how many expired."""
    due = list(
        Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    expired = 0
    for hold_id in due:
        try:
            expired += _retrying(partial(_hold_end, hold_id=hold_id, now=now, status=Hold.Status.EXPIRED))
        except HoldNotActive:
            continue  # captured or released meanwhile
    return expired


# --- batch capture (settlement) -----------------------------------------------------------------


def hold_capture_batch(
    *,
    captures: Sequence[tuple[int, int, str, str]],
    now: datetime,
    metadata: Mapping[str, dict[str, Any]] | None = None,
) -> list[BatchResult]:
    """Capture many holds in full in one database transaction; one result per capture.

    ``metadata`` (by idempotency key) is kept on each capture's entry, as ``hold_capture``'s.
    Each capture is ``(hold_id, to_account_id, idempotency_key, description)`` and follows the
    rules of ``hold_capture`` (the held money counts as released for the funds check; the hold
    ends ``captured``; the same key again returns the first entry), in the given order. A
    refused capture (hold not active or expired, account closed or frozen, key reused) leaves no
    trace and does not stop the others. Settlement uses it for a status report's thousands of
    ACSC at once: a handful of statements instead of ten per capture.
    """
    extra = metadata or {}
    for capture in captures:
        _check_key(capture[2])
        _check_description(capture[3])
        _check_metadata(extra.get(capture[2]))
    return _retrying(lambda: _hold_capture_batch_once(captures, now, extra))


def _hold_capture_batch_once(
    captures: Sequence[tuple[int, int, str, str]], now: datetime, extra: Mapping[str, dict[str, Any]]
) -> list[BatchResult]:
    results: list[BatchResult | None] = [None] * len(captures)
    with transaction.atomic():
        hold_ids = [hold_id for hold_id, _, _, _ in captures]
        sources = dict(Hold.objects.filter(pk__in=hold_ids).values_list("id", "account_id"))
        keys = [key for _, _, key, _ in captures]
        earlier = {
            key: (entry_id, metadata)
            for key, entry_id, metadata in Entry.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", "id", "metadata"
            )
        }
        # The same order as hold_capture: the accounts (ascending ids), then the holds.
        accounts = _lock_accounts(
            [sources[h] for h in hold_ids if h in sources] + [to for _, to, _, _ in captures], strict=False
        )
        holds = {hold.pk: hold for hold in Hold.objects.select_for_update().filter(pk__in=hold_ids).order_by("pk")}
        planned: list[tuple[int, Entry, list[Posting], Hold]] = []
        seen: set[str] = set()
        for index, (hold_id, to_account_id, key, description) in enumerate(captures):
            try:
                if key in earlier:
                    metadata = earlier[key][1]
                    if not isinstance(metadata, dict) or metadata.get("hold_id") != hold_id:
                        raise IdempotencyConflict(f"idempotency key {key!r} was used to capture another hold")
                    results[index] = BatchResult(
                        idempotency_key=key, posted=True, entry_id=int(earlier[key][0]), replayed=True
                    )
                    continue
                if key in seen:
                    raise IdempotencyConflict(f"idempotency key {key!r} appears twice in the batch")
                hold = holds.get(hold_id)
                if hold is None:
                    raise UnknownHold(f"no hold {hold_id}")
                if hold.status != Hold.Status.ACTIVE:
                    raise HoldNotActive(f"hold {hold_id} is {hold.status}")
                if hold.expires_at <= now:
                    raise HoldNotActive(f"hold {hold_id} has expired")
                amount = Money(hold.amount_minor, hold.currency)
                legs = _transfer_legs(from_account_id=hold.account_id, to_account_id=to_account_id, amount=amount)
                postings = _plan(accounts, legs, released={hold.account_id: hold.amount_minor})
            except LedgerError as error:
                results[index] = _refused(key, error)
                continue
            accounts[hold.account_id].held_minor -= hold.amount_minor
            fingerprint = _fingerprint(legs=legs, kind=Kind.HOLD_CAPTURE, description=description, reverses_id=None)
            entry = Entry(
                idempotency_key=key,
                kind=Kind.HOLD_CAPTURE,
                description=description,
                metadata=_capture_metadata(hold_id, extra.get(key)),
                fingerprint=fingerprint,
                created_at=postings[0].created_at,
            )
            planned.append((index, entry, postings, hold))
            seen.add(key)
        if planned:
            Entry.objects.bulk_create([entry for _, entry, _, _ in planned])
            rows = []
            for _, entry, postings, hold in planned:
                for posting in postings:
                    posting.entry_id = entry.pk
                    rows.append(posting)
                hold.status = Hold.Status.CAPTURED
                hold.captured_minor = hold.amount_minor
                hold.capture_entry_id = entry.pk
                hold.resolved_at = now
            Posting.objects.bulk_create(rows)
            touched = [accounts[account_id] for account_id in {p.account_id for p in rows}]
            LedgerAccount.objects.bulk_update(touched, ["balance_minor", "held_minor"], batch_size=500)
            captured = [hold for _, _, _, hold in planned]
            _store_captures(captured, now=now)
            # The holds' audit trail, as hold_capture's save() leaves it.
            Hold.history.bulk_history_create(captured, update=True, default_date=now)
            for index, entry, _, _ in planned:
                results[index] = BatchResult(idempotency_key=entry.idempotency_key, posted=True, entry_id=entry.pk)
    final = [result for result in results if result is not None]
    assert len(final) == len(captures)
    return final


def _store_captures(holds: list[Hold], *, now: datetime) -> None:
    if connection.vendor == "postgresql":
        # One statement for any number of holds, as _store_balances does for accounts.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_hold AS h SET status = 'captured', captured_minor = h.amount_minor, "
                "capture_entry_id = v.entry_id, resolved_at = %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, entry_id) WHERE h.id = v.id",
                [now, [h.pk for h in holds], [h.capture_entry_id for h in holds]],
            )
    else:
        Hold.objects.bulk_update(holds, ["status", "captured_minor", "capture_entry", "resolved_at"], batch_size=500)
