"""A statement from the ledger: an account, a range of bank days, the postings in it.

Opening balance: the stored ``balance_after`` of the last posting before the first moment of
``from_date``; closing: the last line's ``balance_after`` (or the opening balance when there is
none), which is the ledger's balance at the end of ``to_date``. Days are ``BANK_TIME_ZONE``'s.
Postings are read a page at a time by posting id (keyset), never summed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from apps.accounts import history, interface, selectors
from apps.accounts.errors import AccountNotFound
from apps.accounts.interest import bank_date, day_end, day_start
from apps.accounts.statements.document import BankDetails, Statement, StatementLine
from bankcore.errors import DomainError
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.values import PostingLine

MAX_YEARS = 10
PAGE = 2000
NOT_PROVIDED = "NOTPROVIDED"  # ISO 20022's end-to-end id when the payer gave none


class StatementRefused(DomainError):
    """The statement cannot be made for that range.

    ``code``: ``range_reversed``, ``range_in_future``, ``range_too_long``, ``before_opening``.
    """

    code = "statement_refused"


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def statement_range_check(*, from_date: date, to_date: date, now: datetime) -> None:
    """Refuse a reversed range, one that ends after today (bank time), or one over ten years."""
    if from_date > to_date:
        raise StatementRefused(
            f"the range is reversed: {from_date.isoformat()} is after {to_date.isoformat()}", code="range_reversed"
        )
    today = bank_date(now)
    if to_date > today:
        raise StatementRefused(
            f"the range ends in the future: {to_date.isoformat()} is after today ({today.isoformat()})",
            code="range_in_future",
        )
    if _years_later(from_date, MAX_YEARS) <= to_date:
        raise StatementRefused(
            f"the range is over {MAX_YEARS} years: {from_date.isoformat()} to {to_date.isoformat()}",
            code="range_too_long",
        )


def bank_details() -> BankDetails:
    lines = tuple(line for line in getattr(settings, "BANK_ADDRESS", ()) if line)
    return BankDetails(name=settings.BANK_NAME, bic=settings.BANK_BIC, address_lines=lines)


def statement_id(*, account_id: int, from_date: date, to_date: date) -> str:
    """A stable identifier (at most 35 characters, as camt.053 wants) for an account and range."""
    digest = hashlib.sha256(f"{account_id}:{from_date}:{to_date}".encode()).hexdigest()[:8].upper()
    return f"ST{from_date:%Y%m%d}{to_date:%Y%m%d}{account_id % 10**8:08d}{digest}"


def _kind(line: PostingLine) -> str:
    prefix = line.idempotency_key.split(":", 1)[0]
    return prefix if prefix in ("interest", "fee") else line.kind


def _named(metadata: Mapping[str, Any]) -> bool:
    return bool(metadata.get("counterparty_name") or metadata.get("counterparty_iban"))


def _counterparty(metadata: Mapping[str, Any]) -> tuple[str, str]:
    return str(metadata.get("counterparty_name") or ""), str(metadata.get("counterparty_iban") or "")


def _lines(
    *, ledger_account_id: int, start_at: datetime, end_at: datetime, on_page: Callable[[int], None] | None
) -> Iterator[StatementLine]:
    after: int | None = None
    done = 0
    while True:
        page = ledger_read.postings_between(
            account_id=ledger_account_id, start_at=start_at, end_at=end_at, after=after, limit=PAGE
        )
        # As the history shows it: what the payment's entry names, else the other customer's account
        # of this bank (an internal payment keeps no counterparty in its metadata); one query a page.
        unnamed = [item.entry_id for item in page.items if not _named(item.metadata)]
        others = history.entry_counterparties(
            ledger_account_id=ledger_account_id, entry_ids=unnamed, bank_accounts=False
        )
        for item in page.items:
            booked = bank_date(item.created_at)
            name, iban = _counterparty(item.metadata) if _named(item.metadata) else others.get(item.entry_id, ("", ""))
            yield StatementLine(
                posting_id=item.posting_id,
                entry_id=item.entry_id,
                booked_at=item.created_at,
                booking_date=booked,
                value_date=booked,  # the ledger books with immediate value
                amount=item.amount,
                balance_after=item.balance_after,
                description=item.description,
                # The payer's end-to-end id where the posting context kept one, never a ledger key.
                reference=str(item.metadata.get("end_to_end_id") or NOT_PROVIDED),
                remittance=str(item.metadata.get("reference") or ""),
                kind=_kind(item),
                counterparty_name=name,
                counterparty_iban=iban,
            )
        done += len(page.items)
        if on_page is not None:
            on_page(done)
        if page.next_before is None:
            return
        after = page.next_before


def postings_count(*, ledger_account_id: int, from_date: date, to_date: date) -> int:
    """How many lines the statement will have (for progress); one indexed count, nothing summed."""
    return ledger_read.postings_count_between(
        account_id=ledger_account_id, start_at=day_start(from_date), end_at=day_end(to_date)
    )


def statement_build(
    *,
    account_id: int,
    from_date: date,
    to_date: date,
    now: datetime,
    on_page: Callable[[int], None] | None = None,
) -> Statement:
    """The statement of ``account_id`` for bank days ``from_date`` to ``to_date`` (both included).

    Raises ``StatementRefused`` for a bad range and ``AccountNotFound`` for an unknown account.
    ``on_page`` hears the number of lines read so far after each page (a job's progress).
    """
    statement_range_check(from_date=from_date, to_date=to_date, now=now)
    account = selectors.account_get(account_id=account_id)
    if account is None:
        raise AccountNotFound(f"No account {account_id}.")
    start_at, end_at = day_start(from_date), day_end(to_date)
    opening = ledger_read.balance_before(account_id=account.ledger_account_id, before=start_at)
    lines = tuple(
        _lines(ledger_account_id=account.ledger_account_id, start_at=start_at, end_at=end_at, on_page=on_page)
    )
    closing = lines[-1].balance_after if lines else opening
    return Statement(
        statement_id=statement_id(account_id=account.pk, from_date=from_date, to_date=to_date),
        created_at=now,
        bank=bank_details(),
        holder_name=interface.holder_name(customer_id=account.customer_id),
        iban=account.iban,
        currency=account.currency,
        from_date=from_date,
        to_date=to_date,
        period_start_at=start_at,
        # camt.053's ToDtTm is inclusive: the last second of the period's last day.
        period_end_at=end_at - timedelta(seconds=1),
        opening=opening,
        closing=closing,
        lines=lines,
        time_zone=settings.BANK_TIME_ZONE,
    )
