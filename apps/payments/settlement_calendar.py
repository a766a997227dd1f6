"""When SEPA credit transfers settle: TARGET business days and the bank's cut-off times.

TARGET's closing days come from the ``holidays`` package's ECB calendar (New Year, Good Friday,
Easter Monday, 1 May, 25 and 26 December), never from a list of our own. Cut-offs are local
times in ``BANK_TIME_ZONE`` (setting ``SETTLEMENT_CUT_OFFS``, default 10:00 and 15:00): a
payment gathered on a business day before its last cut-off settles that day, anything later (or
on a closing day, a weekend) on the next business day. Instant payments know neither.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

DEFAULT_CUT_OFFS = ("10:00", "15:00")


@cache
def _closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year).keys())


def bank_zone() -> ZoneInfo:
    return ZoneInfo(settings.BANK_TIME_ZONE)


def local_date(moment: datetime) -> date:
    """The booking day of ``moment`` in the bank's time zone."""
    return moment.astimezone(bank_zone()).date()


def is_business_day(day: date) -> bool:
    """A TARGET settlement day: a weekday that is not an ECB closing day."""
    return day.weekday() < 5 and day not in _closing_days(day.year)


def next_business_day(day: date) -> date:
    """The first business day after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th business day after ``day``."""
    for _ in range(count):
        day = next_business_day(day)
    return day


def cut_offs() -> tuple[time, ...]:
    """The day's cut-off times (local), earliest first; refuses a malformed setting."""
    values = getattr(settings, "SETTLEMENT_CUT_OFFS", DEFAULT_CUT_OFFS)
    try:
        parsed = tuple(sorted(time.fromisoformat(str(value).strip()) for value in values))
    except ValueError:
        raise ValueError(f"SETTLEMENT_CUT_OFFS holds times HH:MM, not {values!r}") from None
    if not parsed:
        raise ValueError("SETTLEMENT_CUT_OFFS needs at least one time")
    return parsed


def settlement_date_for(at: datetime) -> date:
    """The settlement day of a SEPA file gathered at ``at``."""
    local = at.astimezone(bank_zone())
    today = local.date()
    if is_business_day(today) and local.time() < cut_offs()[-1]:
        return today
    return next_business_day(today)


def next_cut_off(at: datetime) -> datetime:
    """The first cut-off after ``at`` on a business day (for the monitor: when the next file leaves)."""
    zone = bank_zone()
    local = at.astimezone(zone)
    day = local.date()
    while True:
        if is_business_day(day):
            for cut in cut_offs():
                moment = datetime.combine(day, cut, zone)
                if moment > local:
                    return moment
        day += timedelta(days=1)
