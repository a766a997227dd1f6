"""The interest arithmetic on its own (no database): ACT/ACT ISDA, marginal tiers, overdraft, carry."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.accounts.interest import (
    Terms,
    Tier,
    annual_credit_interest,
    day_accrual,
    days_in_year,
    is_posting_day,
    posting_date_in,
    posting_split,
    terms_on,
)


def _post_monthly(year: int, balance_of, terms: list[Terms], overdraft_limit_minor: int = 0):
    """Accrue every day of ``year`` and post at each month's end: [(month, credit, debit)], carries."""
    day = date(year, 1, 1)
    rows = []
    carry_credit = carry_debit = Decimal(0)
    month_credit = month_debit = Decimal(0)
    while day.year == year:
        accrual = day_accrual(
            day=day,
            balance_minor=balance_of(day),
            terms=terms_on(day, terms),
            overdraft_limit_minor=overdraft_limit_minor,
        )
        month_credit += accrual.credit
        month_debit += accrual.debit
        following = day + timedelta(days=1)
        if following.month != day.month:
            credit, carry_credit = posting_split(carry_credit + month_credit)
            debit, carry_debit = posting_split(carry_debit + month_debit)
            rows.append((day.month, credit, debit))
            month_credit = month_debit = Decimal(0)
        day = following
    return rows, carry_credit, carry_debit


@pytest.mark.parametrize("year", [2027, 2028])
def test_a_year_of_daily_accrual_equals_the_annual_figure_to_the_cent(year: int) -> None:
    balance = 123_456_789  # 1,234,567.89
    terms = [Terms(effective_from=date(2000, 1, 1), tiers=(Tier(0, Decimal("0.0235")),), debit_annual_rate=Decimal(0))]
    rows, carry, _ = _post_monthly(year, lambda _day: balance, terms)
    annual = Decimal(balance) * Decimal("0.0235")  # 2,901,234.5415 minor units, whatever the year's length
    posted = sum(credit for _, credit, _ in rows)
    assert posted == 2_901_234 == int(annual)
    # Nothing lost: the carry is the sub-cent rest of the exact figure (each day kept to 10^-12).
    assert abs(posted + carry - annual) < Decimal("1E-9")


def test_a_leap_year_at_two_rates_with_a_mid_month_change_and_an_overdraft_matches_the_table() -> None:
    """2028 has 366 days. Balances: 8,000.00 to March, 3,000.00 in April, -400.00 on 1-10 May and
    -750.00 on 11-20 May (arranged overdraft 1,000.00), 12,000.00 from 21 May.
    Rates: credit 1.00 % to 5,000.00 and 2.00 % above, debit 12 %; from 15 June (mid-month)
    1.50 % / 2.50 % and debit 10 %. Posted at each month's end, rounded down, rest carried.

    By hand: January, 8,000.00 earns 5,000x1 % + 3,000x2 % = 110.00 a year = 0.300546.../day,
    31 days = 9.3169 -> 9.31 posted, 0.0069 carried; February 29 days = 8.7158 + 0.0069 -> 8.72;
    May debit: 400x12 %/366x10 + 750x12 %/366x10 = 1.3114 + 2.4590 = 3.77; May credit
    (21-31, 11 days): (5,000x1 % + 7,000x2 %)/366x11 = 5.7104 -> 5.71; June: 14 days at the old
    rates (190.00 a year) and 16 at the new (5,000x1.5 % + 7,000x2.5 % = 250.00 a year):
    7.2677 + 10.9290 + 0.0004 carried = 18.20.
    """

    def balance(day: date) -> int:
        if day < date(2028, 4, 1):
            return 800_000
        if day < date(2028, 5, 1):
            return 300_000
        if day < date(2028, 5, 11):
            return -40_000
        if day < date(2028, 5, 21):
            return -75_000
        return 1_200_000

    terms = [
        Terms(date(2028, 1, 1), (Tier(0, Decimal("0.01")), Tier(500_000, Decimal("0.02"))), Decimal("0.12")),
        Terms(date(2028, 6, 15), (Tier(0, Decimal("0.015")), Tier(500_000, Decimal("0.025"))), Decimal("0.10")),
    ]
    rows, carry_credit, carry_debit = _post_monthly(2028, balance, terms, overdraft_limit_minor=100_000)
    assert rows == [
        (1, 931, 0),
        (2, 872, 0),
        (3, 931, 0),
        (4, 246, 0),
        (5, 571, 377),
        (6, 1820, 0),
        (7, 2118, 0),
        (8, 2117, 0),
        (9, 2049, 0),
        (10, 2118, 0),
        (11, 2049, 0),
        (12, 2117, 0),
    ]
    assert sum(credit for _, credit, _ in rows) == 17_939
    assert Decimal(0) <= carry_credit < 1
    assert Decimal(0) <= carry_debit < 1


def test_act_act_isda_years() -> None:
    assert days_in_year(date(2028, 2, 29)) == 366
    assert days_in_year(date(2027, 12, 31)) == 365
    assert days_in_year(date(2100, 6, 1)) == 365  # a century that is not a leap year


def test_tiers_are_marginal() -> None:
    tiers = (Tier(0, Decimal("0.01")), Tier(500_000, Decimal("0.02")), Tier(2_000_000, Decimal("0.03")))
    assert annual_credit_interest(400_000, tiers) == Decimal("4000.00")
    assert annual_credit_interest(3_000_000, tiers) == Decimal("5000") + Decimal("30000") + Decimal("30000")
    assert annual_credit_interest(-5, tiers) == 0
    # A tier that starts above zero pays nothing below its threshold.
    assert annual_credit_interest(100_000, (Tier(200_000, Decimal("0.05")),)) == 0


def test_debit_interest_only_within_the_arranged_overdraft() -> None:
    terms = Terms(date(2027, 1, 1), (Tier(0, Decimal("0.01")),), Decimal("0.073"))
    within = day_accrual(day=date(2027, 3, 1), balance_minor=-50_000, terms=terms, overdraft_limit_minor=100_000)
    assert within.debit == Decimal("10.000000000000")  # 500.00 x 7.3 % / 365
    assert within.credit == 0
    beyond = day_accrual(day=date(2027, 3, 1), balance_minor=-150_000, terms=terms, overdraft_limit_minor=100_000)
    assert beyond.debit == Decimal("20.000000000000")
    none = day_accrual(day=date(2027, 3, 1), balance_minor=-150_000, terms=None, overdraft_limit_minor=100_000)
    assert none.debit == none.credit == 0


def test_terms_in_force_change_on_their_day() -> None:
    first = Terms(date(2027, 1, 1), (), Decimal(0))
    second = Terms(date(2027, 6, 15), (), Decimal(0))
    assert terms_on(date(2026, 12, 31), [second, first]) is None
    assert terms_on(date(2027, 6, 14), [second, first]) is first
    assert terms_on(date(2027, 6, 15), [second, first]) is second


def test_posting_split_rounds_down_and_carries_the_rest() -> None:
    assert posting_split(Decimal("931.691256830601")) == (931, Decimal("0.691256830601"))
    assert posting_split(Decimal("0.999999999999")) == (0, Decimal("0.999999999999"))


def test_posting_day_past_a_months_end_is_its_last_day() -> None:
    assert posting_date_in(2027, 2, 31) == date(2027, 2, 28)
    assert posting_date_in(2028, 2, 30) == date(2028, 2, 29)
    assert is_posting_day(date(2027, 4, 30), 31)
    assert not is_posting_day(date(2027, 4, 30), 1)
