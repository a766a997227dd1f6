"""What makes a payment order valid before anything is written (DESIGN.md §7: validate first).

Every refusal is a ``PaymentInputInvalid`` (the input is malformed: corrected, it may be sent again
under the same API key) with a stable ``code``, the ``field`` at fault and a sentence a customer
understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from schwifty import IBAN
from schwifty.exceptions import (
    InvalidBankCode,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)

from apps.payments.errors import PaymentInputInvalid
from bankcore.money import Money, MoneyError, exponent
from bankcore.text import NameRefused, name_clean

# The SEPA (EPC) basic Latin character set for remittance information and identifiers.
SEPA_CHARSET = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
MAX_REFERENCE = 140
MAX_END_TO_END = 35
MAX_NAME = 70  # the EPC rulebook's limit for a party's name
MAX_AHEAD = timedelta(days=365)


@dataclass(frozen=True)
class ParsedIban:
    iban: str  # compact, upper case
    bic: str  # "" when the bank registry does not know the bank
    country: str


def bank_today(now: datetime) -> date:
    """The booking day at ``now`` in the bank's time zone."""
    return now.astimezone(ZoneInfo(settings.BANK_TIME_ZONE)).date()


def iban_parse(value: str, *, field: str = "creditor_iban") -> ParsedIban:
    """Check digits, length for the country and structure; the BIC where the registry knows the bank."""
    text = (value or "").strip()
    if not text:
        raise PaymentInputInvalid("Enter the payee's IBAN.", code="iban_required", field=field)
    try:
        iban = IBAN(text)
    except InvalidChecksumDigits:
        raise PaymentInputInvalid(
            "This IBAN's check digits are wrong: check it for a typo.", code="iban_checksum", field=field
        ) from None
    except InvalidLength:
        raise PaymentInputInvalid(
            "This IBAN has the wrong length for its country.", code="iban_length", field=field
        ) from None
    except InvalidCountryCode:
        raise PaymentInputInvalid(
            "This IBAN's country is not one that uses IBANs.", code="iban_country", field=field
        ) from None
    except InvalidBankCode:
        raise PaymentInputInvalid("This IBAN names no known bank.", code="iban_bank", field=field) from None
    except SchwiftyException:
        raise PaymentInputInvalid("This is not a valid IBAN.", code="iban_invalid", field=field) from None
    try:
        bic = iban.bic
    except SchwiftyException:
        bic = None
    return ParsedIban(iban=iban.compact, bic=str(bic) if bic else "", country=iban.country_code)


def amount_parse(value: str, currency: str, *, field: str = "amount") -> Money:
    """``"12.50"`` in ``currency`` as Money, refusing zero, negatives and extra decimals."""
    try:
        money = Money.of((value or "").strip(), currency)
    except MoneyError as exc:
        if exc.code == "too_many_decimals":
            raise PaymentInputInvalid(
                f"{currency} amounts have at most {exponent(currency)} decimals.", code="too_many_decimals", field=field
            ) from None
        if exc.code == "unknown_currency":
            raise PaymentInputInvalid(
                f"{currency!r} is not a currency.", code="unknown_currency", field="currency"
            ) from None
        raise PaymentInputInvalid("Enter an amount such as 12.50.", code="invalid_amount", field=field) from None
    amount_check(money, field=field)
    return money


def amount_check(amount: Money, *, field: str = "amount") -> None:
    if amount.minor <= 0:
        raise PaymentInputInvalid("The amount must be greater than zero.", code="amount_not_positive", field=field)


def sepa_text_check(value: str, *, field: str, limit: int, what: str) -> str:
    text = value or ""
    if len(text) > limit:
        raise PaymentInputInvalid(f"The {what} is at most {limit} characters.", code=f"{field}_too_long", field=field)
    if not SEPA_CHARSET.fullmatch(text):
        bad = sorted({c for c in text if not SEPA_CHARSET.fullmatch(c)})
        raise PaymentInputInvalid(
            f"The {what} may use only letters A-Z, digits, spaces and / - ? : ( ) . , ' + (not {' '.join(bad[:5])}).",
            code=f"{field}_charset",
            field=field,
        )
    return text


def reference_check(value: str) -> str:
    return sepa_text_check(" ".join((value or "").split()), field="reference", limit=MAX_REFERENCE, what="reference")


def end_to_end_check(value: str) -> str:
    text = sepa_text_check((value or "").strip(), field="end_to_end_id", limit=MAX_END_TO_END, what="end-to-end id")
    if text and (text.startswith("/") or text.endswith("/") or "//" in text or " " in text):
        raise PaymentInputInvalid(
            "An end-to-end id has no spaces, does not start or end with / and has no //.",
            code="end_to_end_id_charset",
            field="end_to_end_id",
        )
    return text


def name_check(value: str, *, field: str = "creditor_name") -> str:
    try:
        name = name_clean(value or "")
    except NameRefused as refused:
        raise PaymentInputInvalid(str(refused), code=refused.code, field=field) from None
    if not name:
        raise PaymentInputInvalid("Enter the payee's name.", code="name_required", field=field)
    if len(name) > MAX_NAME:
        raise PaymentInputInvalid(f"A name is at most {MAX_NAME} characters.", code="name_too_long", field=field)
    return name


def execution_date_check(value: date | None, *, now: datetime) -> date:
    """Today when absent; never in the past (bank time) and at most a year ahead."""
    today = bank_today(now)
    if value is None:
        return today
    if value < today:
        raise PaymentInputInvalid("The execution date is in the past.", code="date_in_past", field="execution_date")
    if value > today + MAX_AHEAD:
        raise PaymentInputInvalid(
            "The execution date is at most a year ahead.", code="date_too_far", field="execution_date"
        )
    return value
