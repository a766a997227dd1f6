"""Interest on accounts: daily accrual at full precision, posted monthly through the ledger.

Day count: ACT/ACT (ISDA). Each day earns ``annual rate / days in that day's calendar year``
(365 or 366), so every calendar year adds up to exactly one year of interest: a balance held
all year at 2 % earns exactly 2 % of it, in a leap year as in any other.

Credit interest is marginal by tier (each tier's rate on the part of the end-of-day balance from
its threshold up to the next tier's); debit interest applies to the part of a negative end-of-day
balance within the arranged overdraft. A day's accrual is a ``Decimal`` in minor units kept to
``ACCRUAL_PLACES``; posting rounds the period's total (plus what was carried) down to whole minor
units and carries the remainder, so nothing is ever lost or paid twice.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext

DAY_COUNT = "ACT/ACT ISDA"
# A day's accrual is kept to a millionth of a millionth of a minor unit (10^-14 EUR): 28
# significant digits cover any balance the ledger can hold at any rate below 100 %.
ACCRUAL_PLACES = Decimal("1E-12")
_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Tier:
    """Credit interest at ``annual_rate`` on the part of the balance from ``from_balance_minor``."""

    from_balance_minor: int
    annual_rate: Decimal


@dataclass(frozen=True, slots=True)
class Terms:
    """A product's rates from ``effective_from`` (a bank day) until the next terms' date."""

    effective_from: date
    tiers: tuple[Tier, ...]
    debit_annual_rate: Decimal

    @property
    def pays_nothing(self) -> bool:
        return not any(tier.annual_rate for tier in self.tiers) and not self.debit_annual_rate


@dataclass(frozen=True, slots=True)
class DayAccrual:
    """One day's interest in minor units, both positive: ``credit`` the bank owes, ``debit`` it charges."""

    day: date
    balance_minor: int
    credit: Decimal
    debit: Decimal


def days_in_year(day: date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def terms_on(day: date, terms: Sequence[Terms]) -> Terms | None:
    """The terms in force on ``day``: the latest that started on or before it (None before the first)."""
    current = None
    for candidate in sorted(terms, key=lambda t: t.effective_from):
        if candidate.effective_from <= day:
            current = candidate
    return current


def annual_credit_interest(balance_minor: int, tiers: Sequence[Tier]) -> Decimal:
    """A year's credit interest on ``balance_minor`` held all year, tier by tier (marginal), exact."""
    if balance_minor <= 0:
        return ZERO
    ordered = sorted(tiers, key=lambda t: t.from_balance_minor)
    total = ZERO
    with localcontext(_CONTEXT):
        for index, tier in enumerate(ordered):
            if balance_minor <= tier.from_balance_minor:
                break
            upper = ordered[index + 1].from_balance_minor if index + 1 < len(ordered) else None
            portion = (min(balance_minor, upper) if upper is not None else balance_minor) - tier.from_balance_minor
            total += Decimal(portion) * tier.annual_rate
    return total


def day_accrual(*, day: date, balance_minor: int, terms: Terms | None, overdraft_limit_minor: int) -> DayAccrual:
    """The interest of one day on its end-of-day balance under ``terms`` (ACT/ACT ISDA)."""
    credit = debit = ZERO
    if terms is not None:
        with localcontext(_CONTEXT):
            year = Decimal(days_in_year(day))
            if balance_minor > 0:
                credit = (annual_credit_interest(balance_minor, terms.tiers) / year).quantize(ACCRUAL_PLACES)
            elif balance_minor < 0 and terms.debit_annual_rate:
                # Only the arranged overdraft bears the debit rate; the ledger lets no account go past it.
                overdrawn = min(-balance_minor, max(overdraft_limit_minor, 0))
                debit = (Decimal(overdrawn) * terms.debit_annual_rate / year).quantize(ACCRUAL_PLACES)
    return DayAccrual(day=day, balance_minor=balance_minor, credit=credit, debit=debit)


def posting_split(accrued: Decimal) -> tuple[int, Decimal]:
    """``accrued`` minor units as what is posted now (whole minor units, rounded down) and the carry."""
    with localcontext(_CONTEXT):
        posted = int(accrued.to_integral_value(rounding=ROUND_DOWN))
        return posted, (accrued - posted).quantize(ACCRUAL_PLACES)


def posting_date_in(year: int, month: int, posting_day: int) -> date:
    """The product's posting day in a month: ``posting_day``, or the month's last day when shorter."""
    return date(year, month, min(posting_day, calendar.monthrange(year, month)[1]))


def is_posting_day(day: date, posting_day: int) -> bool:
    return posting_date_in(day.year, day.month, posting_day) == day
