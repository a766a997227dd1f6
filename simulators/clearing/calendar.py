"""TARGET business days, as the clearing house counts them (the ECB's closing days, CET)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _closed(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closed(day.year)


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th TARGET business day after ``day`` (``day`` itself when ``count`` is 0)."""
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day
