"""Reads of the rates table: the latest rate of a pair, and amounts priced in euros.

Rounding rule (one place, so every context counts the same cent): the exact product (or
quotient) is computed with 60 significant digits, then rounded once to the euro's minor unit,
half to even (banker's rounding: 0.125 EUR → 0.12, 0.135 EUR → 0.14), so no direction of
rounding is systematically favoured across many conversions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

from bankcore import sql as server_sql
from bankcore.fx import conf
from bankcore.fx.errors import RateMissing, RateStale
from bankcore.fx.models import Rate
from bankcore.money import Money, exponent

EUR = "EUR"
_EXACT = Context(prec=60)
_LATEST_SQL = f"""
    SELECT id, base, quote, mid, as_of, source FROM {Rate._meta.db_table}
    WHERE ((base = %s AND quote = %s) OR (base = %s AND quote = %s)) AND as_of <= %s
    ORDER BY as_of DESC, id DESC LIMIT 1
"""  # noqa: S608 - the table name is ours; every value is a parameter


@dataclass(frozen=True)
class RateView:
    id: int
    base: str
    quote: str
    mid: Decimal
    as_of: datetime
    source: str


@dataclass(frozen=True)
class Conversion:
    """An amount priced in another currency, with the rate that priced it (kept for audit)."""

    original: Money
    converted: Money
    rate_id: int | None  # None: no conversion was needed
    as_of: datetime | None


def _view(rate: Rate) -> RateView:
    return RateView(id=rate.pk, base=rate.base, quote=rate.quote, mid=rate.mid, as_of=rate.as_of, source=rate.source)


def _decimal(value: object) -> Decimal:
    # PostgreSQL's NUMERIC arrives as Decimal; SQLite (the embedded default only) keeps a number
    # of up to 15 significant digits, whose shortest text is the decimal that was written.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _moment(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = parse_datetime(str(value))
    assert parsed is not None, value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def rate_latest_statement(*, base: str, quote: str, now: datetime) -> tuple[str, list[str | datetime]]:
    """``rate_latest``'s statement and parameters (columns id, base, quote, mid, as_of, source, at most
    one row), for a caller on a hot path that reads the rate with its own rows in one round trip."""
    return _LATEST_SQL, [base, quote, quote, base, now]


def rate_of_row(row: Sequence[Any]) -> RateView:
    """The rate of a row read with ``rate_latest_statement``."""
    rate_id, row_base, row_quote, mid, as_of, source = row
    return RateView(id=rate_id, base=row_base, quote=row_quote, mid=_decimal(mid), as_of=_moment(as_of), source=source)


def rate_latest(*, base: str, quote: str, now: datetime) -> RateView | None:
    """The newest rate between the two currencies published at or before ``now``, either way round.

    A rate stamped after ``now`` is not yet in force (a test or a replay asks about the past).
    One hand-written statement: this is on every payment's path (see bench/kyc.py).
    """
    sql, params = rate_latest_statement(base=base, quote=quote, now=now)
    found = server_sql.rows(sql, params)
    return rate_of_row(found[0]) if found else None


def rate_history(*, base: str, quote: str, limit: int = 50) -> list[RateView]:
    """Every stored rate of the pair as written (``base``/``quote`` exactly), newest first."""
    rows = Rate.objects.filter(base=base, quote=quote).order_by("-as_of", "-id")[:limit]
    return [_view(row) for row in rows]


def money_convert(*, amount: Money, to: str, now: datetime) -> Conversion:
    """``amount`` priced in ``to`` at the latest rate of the pair, half-even in ``to``'s minor units.

    Raises ``RateMissing`` when no rate of the pair is known and ``RateStale`` when the newest is
    older than FX_RATE_MAX_AGE_HOURS: the caller refuses what it was pricing.
    """
    if amount.currency == to:
        return Conversion(original=amount, converted=amount, rate_id=None, as_of=None)
    return money_convert_at(amount=amount, to=to, rate=rate_latest(base=amount.currency, quote=to, now=now), now=now)


def money_convert_at(*, amount: Money, to: str, rate: RateView | None, now: datetime) -> Conversion:
    """``money_convert`` with the pair's latest rate already read (``rate_latest_statement``), the same rules."""
    if amount.currency == to:
        return Conversion(original=amount, converted=amount, rate_id=None, as_of=None)
    if rate is None:
        raise RateMissing(f"no reference rate between {amount.currency} and {to}")
    if {rate.base, rate.quote} != {amount.currency, to}:
        raise ValueError(f"a {rate.base}/{rate.quote} rate cannot price {amount.currency} in {to}")
    if now - rate.as_of > conf.max_age():
        raise RateStale(
            f"the {rate.base}/{rate.quote} reference rate of {rate.as_of.isoformat()} is too old to price"
            f" {amount.currency} in {to}"
        )
    major = _EXACT.multiply(Decimal(amount.minor), Decimal(1).scaleb(-amount.exponent))
    forward = rate.base == amount.currency
    target = _EXACT.multiply(major, rate.mid) if forward else _EXACT.divide(major, rate.mid)
    minor = _EXACT.multiply(target, Decimal(1).scaleb(exponent(to)))
    rounded = int(minor.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=_EXACT))
    return Conversion(original=amount, converted=Money(rounded, to), rate_id=rate.id, as_of=rate.as_of)


def money_to_eur(*, amount: Money, now: datetime) -> Money:
    """``amount`` in euros at the bank's latest reference rate (see ``money_convert``)."""
    return money_convert(amount=amount, to=EUR, now=now).converted
