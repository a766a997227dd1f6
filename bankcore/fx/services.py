"""Writes of the rates table: a rates file is parsed whole, then loaded whole or not at all.

``as_of`` is a moment with its offset (``2026-11-02T16:00:00+01:00``) or, as reference rates
are published once a day, a plain date (``2026-11-02``): the rate then holds from the start of
that day in ``BANK_TIME_ZONE``, so a day's rates loaded any time that day are in force for the
whole of it. A moment without an offset is refused (which zone would it be?), and so is a
moment later than now beyond a small clock skew: a rate not yet published is a mistake.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from bankcore.dates import iso_date
from bankcore.fx.errors import RateConflict, RateFileInvalid
from bankcore.fx.models import Rate
from bankcore.money import is_currency

HEADER = ["base", "quote", "mid", "as_of"]
# At most 12 integer and 12 decimal digits: the column is DECIMAL(24, 12), and a mid with more
# decimals would be stored rounded, which a reference rate must never be.
_MID = re.compile(r"^\d{1,12}(?:\.\d{1,12})?$")
# How far ahead of this machine's clock a publisher's clock may run before its as_of is refused.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class RateRow:
    base: str
    quote: str
    mid: Decimal
    as_of: datetime


@dataclass(frozen=True)
class LoadReport:
    added: int
    known: int


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _invalid(line: int, message: str) -> RateFileInvalid:
    return RateFileInvalid(f"line {line}: {message}")


def _moment(line: int, text: str) -> datetime:
    try:
        day = iso_date(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.BANK_TIME_ZONE))
    try:
        as_of = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(line, f"as_of {text!r} is not an ISO 8601 moment or YYYY-MM-DD date") from None
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise _invalid(line, f"as_of {text!r} has no UTC offset (write 2026-11-02T16:00:00+01:00)")
    return as_of


def _as_of(line: int, text: str, now: datetime) -> datetime:
    as_of = _moment(line, text)
    if as_of > now + CLOCK_SKEW:
        raise _invalid(line, f"as_of {text!r} is in the future (now is {now.isoformat(timespec='seconds')})")
    return as_of


def _row(line: int, fields: list[str], now: datetime) -> RateRow:
    if len(fields) != 4:
        raise _invalid(line, f"expected 4 fields (base,quote,mid,as_of), found {len(fields)}")
    base, quote, mid_text, as_of_text = (f.strip() for f in fields)
    for currency in (base, quote):
        if not is_currency(currency):
            raise _invalid(line, f"{currency!r} is not an active ISO 4217 currency")
    if base == quote:
        raise _invalid(line, f"base and quote are both {base}")
    if not _MID.match(mid_text):
        raise _invalid(line, f"mid {mid_text!r} is not a plain decimal number (at most 12 decimals)")
    mid = Decimal(mid_text)
    if mid <= 0:
        raise _invalid(line, f"mid {mid_text!r} is not positive")
    return RateRow(base=base, quote=quote, mid=mid, as_of=_as_of(line, as_of_text, now))


def rates_parse(*, text: str, now: datetime) -> list[RateRow]:
    """Every row of a CSV ``base,quote,mid,as_of`` text, or ``RateFileInvalid`` naming the first bad line.

    ``now`` is the moment no ``as_of`` may pass (beyond ``CLOCK_SKEW``).
    """
    reader = csv.reader(io.StringIO(text))
    rows: list[RateRow] = []
    seen: dict[tuple[str, str, datetime], int] = {}
    header_seen = False
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        if not header_seen:
            if [f.strip().lower() for f in fields] != HEADER:
                raise _invalid(line, f"the header must be {','.join(HEADER)}")
            header_seen = True
            continue
        row = _row(line, fields, now)
        key = (row.base, row.quote, row.as_of)
        if key in seen:
            raise _invalid(line, f"duplicate of line {seen[key]} ({row.base}/{row.quote} at {row.as_of.isoformat()})")
        seen[key] = line
        rows.append(row)
    if not rows:
        raise RateFileInvalid("the file holds no rates")
    return rows


@transaction.atomic
def rates_load(*, rows: Iterable[RateRow], source: str, now: datetime) -> LoadReport:
    """Store the rates not yet known; loading the same rates again changes nothing.

    A known (pair, moment) with another mid is refused and nothing of the batch is stored: a
    published reference rate is history, and history is not rewritten.
    """
    added = known = 0
    for row in rows:
        existing = Rate.objects.filter(base=row.base, quote=row.quote, as_of=row.as_of).first()
        if existing is not None:
            if existing.mid != row.mid:
                known_mid = _plain(existing.mid)
                raise RateConflict(
                    f"{row.base}/{row.quote} at {row.as_of.isoformat()} is already {known_mid}, not {row.mid}"
                )
            known += 1
            continue
        Rate.objects.create(base=row.base, quote=row.quote, mid=row.mid, as_of=row.as_of, source=source, loaded_at=now)
        added += 1
    return LoadReport(added=added, known=known)
