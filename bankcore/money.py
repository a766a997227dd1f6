"""Money: an exact amount in integer minor units of one ISO 4217 currency.

There are no floats anywhere in here. Amounts enter as decimal strings (``"12.50"``), ``Decimal``
or integer minor units, and leave the same way; arithmetic is defined only between amounts of
the same currency, so a sum of EUR and USD is a programming error caught at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Active ISO 4217 codes (list of 2025) with their minor-unit exponent. Most currencies use two
# decimals; these are the exceptions. Precious metals, testing codes and units with no minor
# unit defined (XAU, XTS, XXX, XDR, ...) are deliberately absent: a bank does not hold them.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # no minor unit
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # ten-thousandths (units of account)
    "CLF": 4,
    "UYW": 4,
}
_TWO_DECIMALS = [
    "AED",
    "AFN",
    "ALL",
    "AMD",
    "AOA",
    "ARS",
    "AUD",
    "AWG",
    "AZN",
    "BAM",
    "BBD",
    "BDT",
    "BMD",
    "BND",
    "BOB",
    "BOV",
    "BRL",
    "BSD",
    "BTN",
    "BWP",
    "BYN",
    "BZD",
    "CAD",
    "CDF",
    "CHE",
    "CHF",
    "CHW",
    "CNY",
    "COP",
    "COU",
    "CRC",
    "CUP",
    "CVE",
    "CZK",
    "DKK",
    "DOP",
    "DZD",
    "EGP",
    "ERN",
    "ETB",
    "EUR",
    "FJD",
    "FKP",
    "GBP",
    "GEL",
    "GHS",
    "GIP",
    "GMD",
    "GTQ",
    "GYD",
    "HKD",
    "HNL",
    "HTG",
    "HUF",
    "IDR",
    "ILS",
    "INR",
    "IRR",
    "JMD",
    "KES",
    "KGS",
    "KHR",
    "KPW",
    "KYD",
    "KZT",
    "LAK",
    "LBP",
    "LKR",
    "LRD",
    "LSL",
    "MAD",
    "MDL",
    "MGA",
    "MKD",
    "MMK",
    "MNT",
    "MOP",
    "MRU",
    "MUR",
    "MVR",
    "MWK",
    "MXN",
    "MXV",
    "MYR",
    "MZN",
    "NAD",
    "NGN",
    "NIO",
    "NOK",
    "NPR",
    "NZD",
    "PAB",
    "PEN",
    "PGK",
    "PHP",
    "PKR",
    "PLN",
    "QAR",
    "RON",
    "RSD",
    "RUB",
    "SAR",
    "SBD",
    "SCR",
    "SDG",
    "SEK",
    "SGD",
    "SHP",
    "SLE",
    "SOS",
    "SRD",
    "SSP",
    "STN",
    "SVC",
    "SYP",
    "SZL",
    "THB",
    "TJS",
    "TMT",
    "TOP",
    "TRY",
    "TTD",
    "TWD",
    "TZS",
    "UAH",
    "USD",
    "USN",
    "UYU",
    "UZS",
    "VED",
    "VES",
    "WST",
    "XAD",
    "XCD",
    "XCG",
    "YER",
    "ZAR",
    "ZMW",
    "ZWG",
]

CURRENCY_EXPONENTS: dict[str, int] = dict.fromkeys(_TWO_DECIMALS, 2) | _EXPONENT_EXCEPTIONS

# The ledger stores minor units in a signed 64-bit column; nothing larger can be represented.
MAX_MINOR = 2**63 - 1

# ASCII digits only: \d and int() also read Arabic-Indic, fullwidth and other digits, so "\u0661\u0662.\u0665\u0660"
# would be twelve fifty to the parser and something else to whoever reads it.
_DECIMAL_STRING = re.compile(r"[+-]?([0-9]+)(?:\.([0-9]+))?", re.ASCII)


class MoneyError(ValueError):
    """An amount or currency that cannot be represented; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def exponent(currency: str) -> int:
    """Number of decimals of ``currency``'s minor unit (EUR 2, JPY 0, KWD 3)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError("unknown_currency", f"{currency!r} is not an active ISO 4217 currency") from None


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in CURRENCY_EXPONENTS


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An immutable amount: ``minor`` integer units of ``currency``.

    ``Money(1250, "EUR")`` is twelve euros fifty; ``Money.of("12.50", "EUR")`` is the same.
    """

    minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True euros is always a bug.
        if type(self.minor) is not int:
            raise TypeError(f"Money.minor must be int, not {type(self.minor).__name__}")
        exponent(self.currency)
        if abs(self.minor) > MAX_MINOR:
            raise MoneyError("amount_out_of_range", "amount exceeds the 64-bit range of the ledger")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def of(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Parse an amount in major units: ``"12.50"``, ``Decimal("12.5")`` or ``12``.

        Floats are refused (they cannot hold 0.10 exactly); so are more decimals than the
        currency has (``"1.005"`` EUR) rather than silently rounding.
        """
        exp = exponent(currency)
        if isinstance(amount, bool | float):
            raise TypeError("amounts must be str, Decimal or int, never float or bool")
        if isinstance(amount, int):
            return cls(amount * 10**exp, currency)
        if isinstance(amount, Decimal):
            if not amount.is_finite():
                raise MoneyError("invalid_amount", f"{amount} is not a finite amount")
            text = format(amount, "f")
        elif isinstance(amount, str):
            text = amount.strip()
        else:
            raise TypeError(f"cannot make Money from {type(amount).__name__}")
        match = _DECIMAL_STRING.fullmatch(text)
        if match is None:
            raise MoneyError("invalid_amount", f"{amount!r} is not a decimal amount")
        whole, fraction = match.group(1), match.group(2) or ""
        fraction = fraction.rstrip("0") if len(fraction) > exp else fraction
        if len(fraction) > exp:
            raise MoneyError("too_many_decimals", f"{currency} has {exp} decimals; {amount!r} has more")
        minor = int(whole) * 10**exp + (int(fraction.ljust(exp, "0")) if exp else 0)
        return cls(-minor if text.startswith("-") else minor, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    # -- presentation -------------------------------------------------------------------------

    @property
    def exponent(self) -> int:
        return exponent(self.currency)

    @property
    def amount(self) -> Decimal:
        """The exact amount in major units (for display and the wire, never for arithmetic)."""
        return Decimal(self.minor).scaleb(-self.exponent)

    def to_decimal_string(self) -> str:
        """``"12.50"``, ``"-0.05"``, ``"1000"`` (JPY): exactly the currency's decimals."""
        exp = self.exponent
        sign = "-" if self.minor < 0 else ""
        whole, fraction = divmod(abs(self.minor), 10**exp)
        return f"{sign}{whole}.{fraction:0{exp}d}" if exp else f"{sign}{whole}"

    def format(self, *, grouping: bool = True) -> str:
        """Human form with thousands separators: ``"1,234.50 EUR"``."""
        text = self.to_decimal_string()
        if grouping:
            sign = "-" if text.startswith("-") else ""
            whole, _, fraction = text.lstrip("-").partition(".")
            text = f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")
        return f"{text} {self.currency}"

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"

    # -- arithmetic (same currency only) ------------------------------------------------------

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError("currency_mismatch", f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int; use allocate() to split")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``ratios``, losing no minor unit.

        The remainder left by integer division goes one unit at a time to the parts with the
        largest fractional share (ties to the earlier part), so ``sum(parts) == self`` always
        and no part differs from its exact share by a whole unit or more.
        """
        if not ratios or any(type(r) is not int or r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("invalid_ratios", "ratios must be non-negative ints with a positive sum")
        total = sum(ratios)
        sign = -1 if self.minor < 0 else 1
        magnitude = abs(self.minor)
        shares = [divmod(magnitude * r, total) for r in ratios]
        parts = [q for q, _ in shares]
        remainder = magnitude - sum(parts)
        by_fraction = sorted(range(len(ratios)), key=lambda i: (-shares[i][1], i))
        for i in by_fraction[:remainder]:
            parts[i] += 1
        return [Money(sign * p, self.currency) for p in parts]


def parse_amount(amount: str, currency: str) -> Money:
    """Parse wire input (``"12.50"`` + ``"EUR"``), raising MoneyError with a code on bad input."""
    if not is_currency(currency):
        raise MoneyError("unknown_currency", f"{currency!r} is not an active ISO 4217 currency")
    try:
        return Money.of(amount, currency)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError("invalid_amount", str(exc)) from exc
