"""A statement as plain values: what every writer (PDF, camt.053) renders, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bankcore.money import Money


@dataclass(frozen=True, slots=True)
class BankDetails:
    """Who issues the statement (printed on it, and the account's servicer in camt.053)."""

    name: str
    bic: str
    address_lines: tuple[str, ...] = ()
    website: str = ""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked movement from the holder's side: ``amount`` is positive when money came in."""

    posting_id: int
    entry_id: int
    booked_at: datetime  # aware; shown in the bank's time zone
    booking_date: date  # the bank day of ``booked_at``
    value_date: date
    amount: Money
    balance_after: Money
    description: str
    reference: str  # the end-to-end id (NOTPROVIDED when none), at most 35 characters in camt.053
    kind: str = ""  # the ledger entry's kind, or "interest" / "fee" for the bank's own postings
    remittance: str = ""  # the customer's remittance information, when the entry kept it
    # The other side: the payer of money in, the payee of money out (empty when there is none to name).
    counterparty_name: str = ""
    counterparty_iban: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """An account's booked movements over a range of bank days and the balances around them.

    ``opening`` is the balance at the end of the day before ``from_date``; ``closing`` the
    balance at the end of ``to_date`` (or now, for a range ending today). Both come from the
    ledger's stored ``balance_after``: ``opening`` + every line's amount == ``closing``.
    """

    statement_id: str
    created_at: datetime
    bank: BankDetails
    holder_name: str
    iban: str
    currency: str
    from_date: date
    to_date: date
    period_start_at: datetime
    period_end_at: datetime
    opening: Money
    closing: Money
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)
    time_zone: str = "UTC"

    @property
    def total_in(self) -> Money:
        return sum((line.amount for line in self.lines if line.amount.minor > 0), Money.zero(self.currency))

    @property
    def total_out(self) -> Money:
        return sum((-line.amount for line in self.lines if line.amount.minor < 0), Money.zero(self.currency))
