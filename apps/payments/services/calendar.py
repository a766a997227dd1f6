"""TARGET2 business days (the ECB's closing days from the ``holidays`` package, and weekends)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closing_days(day.year)


def business_day_adjust(day: date) -> date:
    """Modified following: the next business day, unless that is in the next month (then the previous)."""
    following = day
    while not is_business_day(following):
        following += timedelta(days=1)
    if following.month == day.month:
        return following
    preceding = day
    while not is_business_day(preceding):
        preceding -= timedelta(days=1)
    return preceding


def add_months(start: date, months: int, *, day_of_month: int) -> date:
    """The ``day_of_month`` of the month ``months`` after ``start``'s, or that month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))
