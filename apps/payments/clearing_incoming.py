"""Incoming credit transfers: booked by ``CdtrAcct/Id/IBAN``, else suspense, else returned by the bank.

- an account that may receive (``open``, ``debit_blocked``) in the transfer's currency is
  credited from the settlement account, and its holder told;
- an IBAN nobody here holds goes to the suspense account and the staff queue; unresolved after
  ``SUSPENSE_RETURN_BUSINESS_DAYS`` (3) business days it is returned AC01;
- a ``blocked`` account is returned AC06, a ``closed`` one AC04, another currency AM03: the bank
  writes a pacs.004 into the outbox itself, and nothing is booked.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction

from apps.accounts import interface as accounts
from apps.payments import events
from apps.payments import iso20022 as iso
from apps.payments.clearing_accounts import settlement_ledger_id, suspense_ledger_id
from apps.payments.models.settlement import ClearingFile, Direction, FileStatus, IncomingCredit, IncomingStatus
from apps.payments.services.entry_metadata import entry_metadata
from apps.payments.services.transitions import NOTIFY_KIND
from apps.payments.settlement import file_write
from apps.payments.settlement_calendar import add_business_days, local_date
from bankcore import notifications
from bankcore.errors import DomainError
from bankcore.events import publish
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.notifications import kinds as notifications_kinds

# Payments registers its kind when the app is ready; this covers a process that has not (yet).
try:
    notifications_kinds.kind_get(NOTIFY_KIND)
except ValueError:
    notifications.register_kind(NOTIFY_KIND, label="Payments")

SUSPENSE_RETURN_BUSINESS_DAYS = 3
RETURN_FOR_STATUS = {"blocked": "AC06", "closed": "AC04"}
NOT_ALLOWED_CURRENCY = "AM03"
UNKNOWN_ACCOUNT = "AC01"


class IncomingRefused(DomainError):
    """The incoming transfer cannot be resolved or returned as asked."""

    code = "incoming_refused"


def _incoming_metadata(credit: IncomingCredit) -> dict[str, object]:
    """The payee's history shows the paying customer of another bank and their remittance information."""
    return entry_metadata(
        reference=credit.reference,
        end_to_end_id=credit.end_to_end_id,
        name=credit.debtor_name,
        iban=credit.debtor_iban,
    )


def _book(
    credit: IncomingCredit, *, account: accounts.AccountRef, from_ledger_id: int, now: datetime, key: str
) -> None:
    credit.entry_id = ledger.transfer(
        from_account_id=from_ledger_id,
        to_account_id=account.ledger_account_id,
        amount=Money(credit.amount_minor, credit.currency),
        idempotency_key=key,
        description=f"From {credit.debtor_name}: {credit.reference}"[:200],
        metadata=_incoming_metadata(credit),
    )
    credit.account_id = account.id
    credit.customer_id = account.customer_id
    amount = Money(credit.amount_minor, credit.currency)
    publish(
        events.PAYMENT_RECEIVED,
        {
            "payment_id": None,
            "incoming_id": credit.pk,
            "account_id": account.id,
            "customer_id": account.customer_id,
            "amount_minor": credit.amount_minor,
            "currency": credit.currency,
            "debtor_name": credit.debtor_name,
        },
    )
    notifications.notify(
        customer_id=account.customer_id,
        kind=NOTIFY_KIND,
        title="Money received",
        body=f"{amount} from {credit.debtor_name}" + (f": {credit.reference}" if credit.reference else "."),
        link="/app/",
        now=now,
    )


def _return_file(*, now: datetime) -> ClearingFile:
    day = local_date(now)
    msg_id = f"BC{day:%Y%m%d}R{uuid.uuid4().hex[:20]}"
    return ClearingFile.objects.create(
        direction=Direction.OUT,
        kind=iso.PACS004,
        msg_id=msg_id,
        name=f"{msg_id}.xml",
        status=FileStatus.DECIDED,
        settlement_date=day,
        created_at=now,
    )


def _mark_returned(credits: list[IncomingCredit], *, now: datetime, actor: str) -> ClearingFile:
    """Decide one pacs.004 returning ``credits`` (their ``reason_code`` set); written after commit."""
    return_file = _return_file(now=now)
    for credit in credits:
        credit.status = IncomingStatus.RETURNED
        credit.return_file = return_file
        credit.resolved_at = now
        credit.resolved_by = actor[:64]
        credit.save(update_fields=["status", "return_file", "reason_code", "resolved_at", "resolved_by"])
    return_file.tx_count = len(credits)
    return_file.total_minor = sum(c.amount_minor for c in credits)
    return_file.save(update_fields=["tx_count", "total_minor"])
    return return_file


def credits_apply(message: iso.CreditTransferMessage, *, clearing_file: ClearingFile, now: datetime) -> int:
    """Book, suspend or return each transaction of an incoming pacs.008 (caller's transaction); how many were booked."""
    booked = 0
    to_return: list[IncomingCredit] = []
    for tx in message.transactions:
        credit = IncomingCredit.objects.create(
            file=clearing_file,
            msg_id=message.msg_id,
            tx_id=tx.tx_id,
            end_to_end_id=tx.end_to_end_id,
            amount_minor=tx.amount_minor,
            currency=tx.currency,
            settlement_date=message.settlement_date,
            debtor_name=tx.debtor.name[:140],
            debtor_iban=tx.debtor.iban,
            debtor_bic=tx.debtor.bic or "",
            creditor_name=tx.creditor.name[:140],
            creditor_iban=tx.creditor.iban,
            reference=tx.reference[:140],
            status=IncomingStatus.SUSPENSE,
            received_at=now,
        )
        account = accounts.account_for_iban(iban=tx.creditor.iban)
        if account is None:
            credit.entry_id = ledger.transfer(
                from_account_id=settlement_ledger_id(),
                to_account_id=suspense_ledger_id(),
                amount=Money(tx.amount_minor, tx.currency),
                idempotency_key=f"incoming:{credit.pk}:suspense",
                description=f"Unknown IBAN {tx.creditor.iban} from {tx.debtor.name}"[:200],
            )
            credit.save(update_fields=["entry"])
            continue
        credit.account_id = account.id
        credit.customer_id = account.customer_id
        if account.status in RETURN_FOR_STATUS or account.currency != tx.currency:
            credit.reason_code = RETURN_FOR_STATUS.get(account.status, NOT_ALLOWED_CURRENCY)
            credit.save(update_fields=["account_id", "customer_id", "reason_code"])
            to_return.append(credit)
            continue
        _book(credit, account=account, from_ledger_id=settlement_ledger_id(), now=now, key=f"incoming:{credit.pk}:book")
        credit.status = IncomingStatus.BOOKED
        credit.save(update_fields=["entry", "account_id", "customer_id", "status"])
        booked += 1
    if to_return:
        _mark_returned(to_return, now=now, actor="clearing")
    return booked


# --- the suspense queue -------------------------------------------------------------------------


def _lock_suspended(incoming_id: int) -> IncomingCredit:
    credit = IncomingCredit.objects.select_for_update().filter(pk=incoming_id).first()
    if credit is None:
        raise IncomingRefused(f"no incoming transfer {incoming_id}", code="not_found")
    if credit.status != IncomingStatus.SUSPENSE:
        raise IncomingRefused(
            f"incoming transfer {incoming_id} is {credit.status}, not in suspense", code="not_in_suspense"
        )
    return credit


def suspense_resolve(*, incoming_id: int, iban: str, actor: str, now: datetime) -> None:
    """Credit a suspended transfer to the account staff found for it (by IBAN)."""
    account = accounts.account_for_iban(iban=iban)
    if account is None:
        raise IncomingRefused(f"no account of this bank has IBAN {iban}", code="unknown_iban")
    with transaction.atomic():
        credit = _lock_suspended(incoming_id)
        if not account.may_receive or account.currency != credit.currency:
            raise IncomingRefused(
                f"account {account.iban} cannot receive this transfer ({account.status})", code="cannot_receive"
            )
        _book(
            credit, account=account, from_ledger_id=suspense_ledger_id(), now=now, key=f"incoming:{credit.pk}:resolve"
        )
        credit.status = IncomingStatus.RESOLVED
        credit.resolved_at = now
        credit.resolved_by = actor[:64]
        credit.save(update_fields=["entry", "account_id", "customer_id", "status", "resolved_at", "resolved_by"])


def incoming_return(*, incoming_id: int, reason_code: str, actor: str, now: datetime) -> str:
    """Return an incoming transfer to the payer's bank (a pacs.004 in the outbox); the file's MsgId.

    From suspense the money leaves the suspense account; a booked transfer is taken back from the
    account it was credited to (refused when its funds no longer allow it).
    """
    code = reason_code.strip().upper()
    if len(code) != 4 or not code.isalnum():
        raise IncomingRefused(
            "a return needs a four-character ISO reason code (AC01, MD06, FOCR …)", code="invalid_reason"
        )
    with transaction.atomic():
        credit = IncomingCredit.objects.select_for_update().filter(pk=incoming_id).first()
        if credit is None:
            raise IncomingRefused(f"no incoming transfer {incoming_id}", code="not_found")
        amount = Money(credit.amount_minor, credit.currency)
        if credit.status == IncomingStatus.SUSPENSE:
            source = suspense_ledger_id()
        elif credit.status in (IncomingStatus.BOOKED, IncomingStatus.RESOLVED) and credit.account_id is not None:
            source = accounts.account_ledger_id(account_id=credit.account_id)
        else:
            raise IncomingRefused(f"incoming transfer {incoming_id} is {credit.status}", code="not_returnable")
        try:
            ledger.transfer(
                from_account_id=source,
                to_account_id=settlement_ledger_id(),
                amount=amount,
                idempotency_key=f"incoming:{credit.pk}:return",
                description=f"Return {code} to {credit.debtor_name}"[:200],
                metadata=_incoming_metadata(credit),
            )
        except DomainError as error:
            raise IncomingRefused(f"the money cannot be taken back: {error}", code="cannot_take_back") from None
        credit.reason_code = code
        return_file = _mark_returned([credit], now=now, actor=actor)
    return file_write(file_id=return_file.pk, now=now)


def suspense_expire(*, now: datetime) -> int:
    """Return AC01 every suspended transfer older than three business days; how many."""
    today = local_date(now)
    due = [
        credit_id
        for credit_id, settled_on in IncomingCredit.objects.filter(status=IncomingStatus.SUSPENSE).values_list(
            "id", "settlement_date"
        )
        if add_business_days(settled_on, SUSPENSE_RETURN_BUSINESS_DAYS) <= today
    ]
    for credit_id in due:
        incoming_return(incoming_id=credit_id, reason_code=UNKNOWN_ACCOUNT, actor="clearing", now=now)
    return len(due)


__all__ = [
    "IncomingRefused",
    "credits_apply",
    "incoming_return",
    "suspense_expire",
    "suspense_resolve",
]
