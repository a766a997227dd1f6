"""Immutable values the ledger takes and returns (never model instances)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bankcore.money import Money


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting of an entry: ``amount`` is a debit when positive, a credit when negative.

    For the usual (credit-normal) customer account a debit takes money out and a credit puts
    it in; ``Leg.debit`` and ``Leg.credit`` say which without sign juggling.
    """

    account_id: int
    amount: Money

    @classmethod
    def debit(cls, account_id: int, amount: Money) -> Leg:
        return cls(account_id, amount)

    @classmethod
    def credit(cls, account_id: int, amount: Money) -> Leg:
        return cls(account_id, -amount)


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """One transfer of a batch: ``amount`` leaves ``from_account_id`` and reaches ``to_account_id``."""

    from_account_id: int
    to_account_id: int
    amount: Money
    idempotency_key: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of one transfer of a batch: posted (``entry_id``) or refused (``code``)."""

    idempotency_key: str
    posted: bool
    entry_id: int | None = None
    code: str = ""
    message: str = ""
    replayed: bool = False  # the key had been posted before; this is the first entry


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """One hold of a batch: ``amount`` reserved on ``account_id`` until ``expires_at``."""

    account_id: int
    amount: Money
    idempotency_key: str
    expires_at: datetime
    description: str = ""


@dataclass(frozen=True, slots=True)
class HoldResult:
    """The outcome of one hold of a batch: made (``hold_id``) or refused (``code``)."""

    idempotency_key: str
    made: bool
    hold_id: int | None = None
    code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    name: str
    currency: str
    kind: str
    normal_side: str
    status: str
    allow_negative: bool
    overdraft_limit: Money
    balance: Money
    held: Money
    available: Money


@dataclass(frozen=True, slots=True)
class PostingLine:
    """A statement line, from the holder's side: ``amount`` is positive when money came in."""

    posting_id: int
    entry_id: int
    amount: Money
    balance_after: Money
    created_at: datetime
    kind: str
    description: str
    idempotency_key: str
    # What the posting context kept on the entry (counterparty, reference, end-to-end id …).
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PostingPage:
    items: list[PostingLine]
    # Pass as ``before`` to get the next (older) page; None on the last page.
    next_before: int | None


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    idempotency_key: str
    kind: str
    description: str
    metadata: dict[str, object]
    reverses_id: int | None
    reversed_by_id: int | None
    created_at: datetime
    legs: tuple[Leg, ...]


@dataclass(frozen=True, slots=True)
class HoldView:
    id: int
    account_id: int
    amount: Money
    captured: Money
    status: str
    expires_at: datetime
    capture_entry_id: int | None


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    accounts: int
    entries: int
    postings: int
    drifts: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.drifts
