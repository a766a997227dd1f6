"""Bulk payouts: a business customer's file of payments, checked line by line, approved once, paid in chunks.

The life of a batch (``BatchStatus``): ``received`` when the file was read (a file that cannot
be read is refused before anything is written); ``validating`` while each line gets the single
payment's validation (``payment_prepare``: IBAN, decimals, SEPA text, same account, euro only
to other banks, dates) and, unless the customer opted out, a verification-of-payee answer;
``awaiting_sca`` until the customer approves the batch with one code bound to its total and its
payees (RTS art. 5; a partner acting for its business customer needs none: secure corporate
process, RTS art. 17); ``processing`` while the lines are paid; ``awaiting_review`` when every
line has been executed but some are held for a fraud case (their money has not moved: a held
line is counted apart, never as paid); then ``completed``, ``completed_with_errors`` (some
lines refused) or ``failed`` (no line could be paid), once no line is held.

A held line follows its payment: when the fraud case releases or rejects the payment
(``services.reviews``), ``batch_line_follow`` gives the line its new result and the batch its
counts in the same transaction, and finishes the batch once its last held line is decided.

Execution keeps the single payment's checks in their order for every line (KYC limits, the
fraud decision and counterparty screening, then the money): lines to other banks go through the
single-payment checks as they are (a hold, accepted for settlement); lines within the bank are
booked together with the ledger's batch posting, a chunk at a time. Every line's payment has
the key ``batch:<batch>:<line>`` (unique per payer) and a line's result is written in the same
transaction as its payment, so a rerun after a crash takes up the lines still waiting and pays
no line twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum

from apps.accounts import interface as accounts
from apps.kyc import interface as kyc
from apps.payments.batch_parsing import BatchFile, BatchLineInput, execution_date_of
from apps.payments.errors import PaymentInvalid
from apps.payments.models import (
    BATCH_FINAL_STATUSES,
    BatchStatus,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentBatchLine,
    PaymentChannel,
    PaymentKind,
    PaymentStatus,
)
from apps.payments.services import batch_execution, initiate, validation, vop
from apps.payments.services.transitions import NOTIFY_KIND
from bankcore import bulk, notifications
from bankcore.canonical import sha256_of
from bankcore.errors import DomainError
from bankcore.money import Money
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

log = logging.getLogger(__name__)

CHUNK = 500  # lines a transaction: short locks, and a crash loses at most one chunk's work
SECURE_CORPORATE = "secure_corporate"
BUSINESS = "business"
_LINE_OF_PAYMENT = {
    PaymentStatus.SETTLED: LineStatus.PAID,
    PaymentStatus.ACCEPTED: LineStatus.ACCEPTED,
    PaymentStatus.SUBMITTED: LineStatus.ACCEPTED,
    PaymentStatus.HELD_FOR_REVIEW: LineStatus.HELD,
    PaymentStatus.REJECTED: LineStatus.REJECTED,
}
# The ISO reason a refused posting of the batch gives its payment, as a single booking would.
_POSTING_REASON = {"insufficient_funds": initiate.Reason.FUNDS}


class BatchRefused(DomainError):
    """The batch cannot be taken or approved; ``code`` says why and ``field`` what is at fault."""

    status_code = 422
    code = "batch_refused"


class BatchNotFound(DomainError):
    status_code = 404
    code = "batch_not_found"


Enqueue = Callable[[str, int], None]


def _enqueue(task: str, batch_id: int) -> None:
    # Late import: tasks import this module.
    from apps.payments import batch_tasks

    getattr(batch_tasks, task).delay(batch_id=batch_id)


# --- upload ----------------------------------------------------------------------------------------


def _business_check(customer_id: int) -> None:
    if kyc.party_kind(customer_id=customer_id) != BUSINESS:
        raise BatchRefused("Bulk payouts are for business customers.", code="business_only")


def _account_check(*, customer_id: int, source_account_id: int, debtor_iban: str) -> accounts.AccountRef:
    try:
        account = accounts.account_get(account_id=source_account_id)
    except accounts.AccountNotFound:
        account = None
    if account is None or account.customer_id != customer_id:
        raise BatchRefused(
            "Choose one of your accounts to pay from.", code="unknown_account", field="source_account", input_error=True
        )
    if not account.may_send:
        raise BatchRefused(
            "This account cannot make payments at the moment.", code="account_cannot_send", field="source_account"
        )
    if debtor_iban and debtor_iban.replace(" ", "").upper() != account.iban:
        raise BatchRefused(
            "The file's debtor account (DbtrAcct) is not the account you chose to pay from.",
            code="debtor_account_mismatch",
            field="source_account",
        )
    return account


def _fingerprint(*, source_account_id: int, source_format: str, vop_opt_out: bool, lines: list[BatchLineInput]) -> str:
    return sha256_of(
        {
            "source_account_id": source_account_id,
            "format": source_format,
            "vop_opt_out": vop_opt_out,
            "lines": [dataclasses.astuple(line) for line in lines],
        }
    )


def batch_create(
    *,
    customer_id: int,
    source_account_id: int,
    file: BatchFile,
    source_format: str,
    idempotency_key: str,
    now: datetime,
    filename: str = "",
    vop_opt_out: bool = False,
    partner_id: int | None = None,
) -> PaymentBatch:
    """Take a read file as a batch (``received``) and check its lines off the request; returns it.

    Only a business customer's, from one of its accounts. ``vop_opt_out`` is the customer's
    recorded choice to skip verification of payee for this file. ``partner_id``: a partner acting
    for its business customer (secure corporate process: no customer SCA). Idempotent per
    customer on ``idempotency_key``; another file with the same key raises ``BatchRefused``
    (``idempotency_key_reused``).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise BatchRefused(
            "An idempotency key of 1 to 255 characters is required.", code="idempotency_key_required", input_error=True
        )
    fingerprint = _fingerprint(
        source_account_id=source_account_id, source_format=source_format, vop_opt_out=vop_opt_out, lines=file.lines
    )
    replayed = _replay(customer_id=customer_id, key=key, fingerprint=fingerprint)
    if replayed is not None:
        return replayed
    _business_check(customer_id)
    account = _account_check(customer_id=customer_id, source_account_id=source_account_id, debtor_iban=file.debtor_iban)
    who = f"partner:{partner_id}" if partner_id else f"customer:{customer_id}"
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.create(
                customer_id=customer_id,
                source_account_id=source_account_id,
                uploaded_by=who,
                partner_id=partner_id,
                source_format=source_format,
                filename=filename[:200],
                message_id=file.message_id[:35],
                vop_opted_out=vop_opt_out,
                currency=account.currency,
                line_count=len(file.lines),
                idempotency_key=key,
                request_fingerprint=fingerprint,
                created_at=now,
                updated_at=now,
            )
            PaymentBatchLine.objects.bulk_create(
                [_line_row(batch, number, line) for number, line in enumerate(file.lines, start=1)], batch_size=2000
            )
            transaction.on_commit(lambda: _enqueue("payment_batch_validate", batch.pk))
    except IntegrityError:
        replayed = _replay(customer_id=customer_id, key=key, fingerprint=fingerprint)
        if replayed is None:
            raise
        return replayed
    return batch


def _replay(*, customer_id: int, key: str, fingerprint: str) -> PaymentBatch | None:
    existing = PaymentBatch.objects.filter(customer_id=customer_id, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise BatchRefused("This idempotency key was used for another file.", code="idempotency_key_reused")
    return existing


def _line_row(batch: PaymentBatch, number: int, line: BatchLineInput) -> PaymentBatchLine:
    return PaymentBatchLine(
        batch=batch,
        line_no=number,
        creditor_name=line.name[:140],
        creditor_iban=line.iban[:42],
        amount_text=line.amount[:40],
        currency=line.currency[:3],
        reference=line.reference[:200],
        end_to_end_id=line.end_to_end_id[:64],
        execution_date_text=line.execution_date[:30],
        status=LineStatus.PENDING,
    )


# --- validation ------------------------------------------------------------------------------------


class _LineChecker:
    """``payment_prepare``'s validation for the lines of one batch, in its order and with its refusals.

    The paying account is resolved once a batch and the payees' accounts of this bank with one
    read per file (``payees_load``); what is checked and refused is the single payment's
    (``services.validation``, and the same rules as its payee resolution), per line, in Python.
    """

    def __init__(self, batch: PaymentBatch, *, now: datetime) -> None:
        self.batch, self.now = batch, now
        self._sources: dict[str, initiate.Source] = {}
        self._own: dict[str, accounts.AccountRef] = {}
        self._parsed: dict[str, validation.ParsedIban | PaymentInvalid] = {}

    def payees_load(self, ibans: Iterable[str]) -> None:
        """Parse each distinct IBAN once and read the bank's own accounts among them in one query."""
        for iban in set(ibans):
            try:
                self._parsed[iban] = validation.iban_parse(iban)
            except PaymentInvalid as invalid:
                self._parsed[iban] = invalid
        compact = [parsed.iban for parsed in self._parsed.values() if isinstance(parsed, validation.ParsedIban)]
        self._own = accounts.accounts_by_ibans(ibans=compact) if compact else {}

    def own_account(self, iban: str) -> accounts.AccountRef | None:
        return self._own.get(iban)

    def _source(self, amount: Money) -> initiate.Source:
        if amount.currency not in self._sources:
            try:
                account = _account_check(
                    customer_id=self.batch.customer_id, source_account_id=self.batch.source_account_id, debtor_iban=""
                )
            except BatchRefused as refused:
                raise PaymentInvalid(str(refused), code=refused.code, field="source_account") from None
            if account.currency != amount.currency:
                raise PaymentInvalid(
                    f"This account holds {account.currency}; pay in {account.currency}.",
                    code="currency_mismatch",
                    field="currency",
                )
            self._sources[amount.currency] = initiate.Source(
                account.id, account.ledger_account_id, account.holder_name, account.iban, account.bic,
                account.currency,
            )  # fmt: skip
        return self._sources[amount.currency]

    def _payee(self, *, iban: str, name: str, source: initiate.Source, amount: Money) -> initiate.Payee:
        if iban not in self._parsed:
            self.payees_load([iban])
        parsed = self._parsed[iban]
        if isinstance(parsed, PaymentInvalid):
            raise parsed
        return initiate.payee_of(
            parsed=parsed, own=self._own.get(parsed.iban), name=name, source=source, amount=amount, instant=False
        )

    def draft(self, line: PaymentBatchLine, *, check: vop.PayeeCheck | None = None) -> initiate.PaymentDraft:
        """The line as a valid payment draft (nothing written); raises ``PaymentInvalid``."""
        amount = Money(line.amount_minor, line.currency)
        validation.amount_check(amount)
        name = validation.name_check(line.creditor_name)
        reference = validation.reference_check(line.reference)
        e2e = validation.end_to_end_check(line.end_to_end_id)
        when = validation.execution_date_check(line.execution_date, now=self.now)
        source = self._source(amount)
        payee = self._payee(iban=line.creditor_iban, name=name, source=source, amount=amount)
        return initiate.PaymentDraft(
            customer_id=self.batch.customer_id, source=source, payee=payee, amount=amount, reference=reference,
            end_to_end_id=e2e, execution_date=when, beneficiary_id=None, beneficiary_trusted=False,
            beneficiary_created_at=None, check=check or vop.PayeeCheck("", "", payee.kind == PaymentKind.INTERNAL),
            today=validation.bank_today(self.now),
        )  # fmt: skip


def _line_validate(
    line: PaymentBatchLine,
    *,
    batch: PaymentBatch,
    checker: _LineChecker,
    checked: dict[tuple[str, str], vop.PayeeCheck],
) -> None:
    line.reason = line.reason_code = ""
    try:
        if not line.currency:
            raise PaymentInvalid("Give the currency (EUR).", code="currency_required", field="currency")
        line.amount_minor = validation.amount_parse(line.amount_text, line.currency).minor
        try:
            line.execution_date = execution_date_of(line.execution_date_text)
        except ValueError:
            raise PaymentInvalid(
                "The execution date is not a date (YYYY-MM-DD).", code="invalid_date", field="execution_date"
            ) from None
        draft = checker.draft(line)
    except PaymentInvalid as invalid:
        line.status, line.reason_code, line.reason = LineStatus.INVALID, invalid.code[:40], str(invalid)[:500]
        return
    line.creditor_name = draft.payee.name
    line.creditor_iban = draft.payee.iban
    line.reference = draft.reference
    line.end_to_end_id = draft.end_to_end_id
    line.internal = draft.payee.kind == PaymentKind.INTERNAL
    line.status = LineStatus.PENDING
    if not batch.vop_opted_out and draft.amount.currency == "EUR":
        cache_key = (draft.payee.iban, draft.payee.name)
        if cache_key not in checked:
            own = checker.own_account(draft.payee.iban)
            checked[cache_key] = vop.payee_verify_with(own=own, iban=draft.payee.iban, name=draft.payee.name)
        line.vop_result, line.vop_name = checked[cache_key].result, checked[cache_key].matched_name[:140]


_VALIDATED_FIELDS = [
    "status",
    "reason_code",
    "reason",
    "amount_minor",
    "execution_date",
    "creditor_name",
    "creditor_iban",
    "reference",
    "end_to_end_id",
    "internal",
    "vop_result",
    "vop_name",
]


def batch_validate(*, batch_id: int, now: datetime) -> str:
    """Check every line as a single payment would be checked, store each answer; returns the status.

    Safe twice: a batch past ``validating`` is left as it is; one interrupted while validating
    is checked again from the start (the checks write nothing but the lines' own answers).
    """
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (BatchStatus.RECEIVED, BatchStatus.VALIDATING):
            return batch.status
        batch.status, batch.updated_at = BatchStatus.VALIDATING, now
        batch.save(update_fields=["status", "updated_at"])
    checked: dict[tuple[str, str], vop.PayeeCheck] = {}
    checker = _LineChecker(batch, now=now)
    lines = list(batch.lines.order_by("line_no"))
    checker.payees_load(line.creditor_iban for line in lines)
    for line in lines:
        _line_validate(line, batch=batch, checker=checker, checked=checked)
    valid = [line for line in lines if line.status == LineStatus.PENDING]
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.VALIDATING:
            return batch.status
        bulk.rows_rewrite(PaymentBatchLine, lines, _VALIDATED_FIELDS)
        batch.valid_count = len(valid)
        batch.valid_total_minor = sum(line.amount_minor for line in valid)
        batch.failed_count = len(lines) - len(valid)
        batch.updated_at = now
        if not valid:
            batch.status, batch.reason, batch.completed_at = BatchStatus.FAILED, "No line of the file can be paid.", now
        elif len({line.currency for line in valid}) > 1:
            batch.status, batch.completed_at = BatchStatus.FAILED, now
            batch.reason = "A file pays in one currency."
        elif batch.partner_id is not None:
            batch.status, batch.sca_exemption, batch.authorised_at = BatchStatus.PROCESSING, SECURE_CORPORATE, now
            transaction.on_commit(lambda: _enqueue("payment_batch_execute", batch_id))
        else:
            batch.status = BatchStatus.AWAITING_SCA
        batch.save()
        return batch.status


# --- approval ----------------------------------------------------------------------------------------


def _payable_lines(batch: PaymentBatch) -> Iterable[tuple[str, Money]]:
    rows = batch.lines.exclude(status=LineStatus.INVALID).values_list("creditor_iban", "amount_minor", "currency")
    return [(iban, Money(minor, currency)) for iban, minor, currency in rows]


def batch_sca_details(*, batch: PaymentBatch) -> dict[str, object]:
    """What the customer approves: the number of payments, their total and a hash of every payee and amount."""
    return sca_read.batch_challenge_details(lines=_payable_lines(batch))


def batch_authorise(*, customer_id: int, batch_id: int, otp_token: str, now: datetime) -> PaymentBatch:
    """Approve a batch waiting in ``awaiting_sca`` with the customer's code and start paying it.

    The code approves the batch's details as they are now (``batch_sca_details``); the approval
    is consumed in the transaction that starts the execution (``batch_execute_authorised``).
    Submitting twice is harmless: a batch past ``awaiting_sca`` is returned as it is.
    """
    batch = batch_of_customer(customer_id=customer_id, batch_id=batch_id)
    if batch.status != BatchStatus.AWAITING_SCA:
        return batch
    challenge_id = sca.challenge_confirm(
        user_id=customer_id,
        action=sca_read.BATCH_ACTION,
        details=batch_sca_details(batch=batch),
        otp_token=otp_token,
        now=now,
    )
    return batch_execute_authorised(customer_id=customer_id, batch_id=batch_id, challenge_id=challenge_id, now=now)


def batch_execute_authorised(*, customer_id: int, batch_id: int, challenge_id: int, now: datetime) -> PaymentBatch:
    """Consume the approved challenge for exactly this batch's payees and total, and start it.

    Refused (``ChallengeRefused``, ``challenge_mismatch``) when a payee or an amount differs from
    what was approved, and (``challenge_used``) for an approval that executed another batch.
    """
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().filter(pk=batch_id, customer_id=customer_id).first()
        if batch is None:
            raise BatchNotFound(f"no batch {batch_id}")
        if batch.status != BatchStatus.AWAITING_SCA:
            return batch
        sca.challenge_consume(
            challenge_id=challenge_id,
            user_id=customer_id,
            payload_hash=sca_read.batch_details_hash(lines=_payable_lines(batch)),
            now=now,
        )
        batch.sca_challenge_id = challenge_id
        batch.status, batch.authorised_at, batch.updated_at = BatchStatus.PROCESSING, now, now
        batch.save(update_fields=["sca_challenge_id", "status", "authorised_at", "updated_at"])
        transaction.on_commit(lambda: _enqueue("payment_batch_execute", batch_id))
        return batch


# --- execution ---------------------------------------------------------------------------------------


def batch_execute(*, batch_id: int, now: datetime) -> str:
    """Pay the waiting lines of a ``processing`` batch, a chunk a transaction; returns the status.

    Safe to run twice and after a crash: each chunk takes the batch's row lock and only the lines
    still waiting; what a committed chunk paid is never paid again.
    """
    while True:
        with transaction.atomic():
            batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status != BatchStatus.PROCESSING:
                return batch.status
            pending = list(batch.lines.filter(status=LineStatus.PENDING).order_by("line_no")[:CHUNK])
            if not pending:
                _finish(batch, now=now)
                return batch.status
            _chunk_execute(batch, pending, now=now)
            _progress(batch, pending, now=now)


_MADE = frozenset({LineStatus.PAID, LineStatus.ACCEPTED})
_COUNTED_FIELDS = [
    "done_count", "paid_count", "paid_total_minor", "held_count", "held_total_minor", "failed_count", "updated_at",
]  # fmt: skip


def _progress(batch: PaymentBatch, chunk: list[PaymentBatchLine], *, now: datetime) -> None:
    bulk.rows_rewrite(PaymentBatchLine, chunk, ["status", "reason_code", "reason", "payment"])
    made = [line for line in chunk if line.status in _MADE]
    held = [line for line in chunk if line.status == LineStatus.HELD]
    batch.done_count += len(chunk)
    batch.paid_count += len(made)
    batch.paid_total_minor += sum(line.amount_minor for line in made)
    batch.held_count += len(held)
    batch.held_total_minor += sum(line.amount_minor for line in held)
    batch.failed_count += len(chunk) - len(made) - len(held)
    batch.updated_at = now
    batch.save(update_fields=_COUNTED_FIELDS)


def _finish(batch: PaymentBatch, *, now: datetime) -> None:
    """End a batch whose lines have all been executed, or make it wait for the cases of its held lines.

    The payer hears of the bookings within the bank once, when the lines have been executed;
    a held line booked later is told by its own booking.
    """
    waited = batch.status == BatchStatus.AWAITING_REVIEW
    link = f"/app/payments/batches/{batch.pk}/"
    if batch.held_count:
        if waited:
            return
        batch.status, batch.updated_at = BatchStatus.AWAITING_REVIEW, now
        batch.save(update_fields=["status", "updated_at"])
        _payer_tell(batch, now=now)
        notifications.notify(
            customer_id=batch.customer_id, kind=NOTIFY_KIND, title="Bulk payout waiting for a check",
            body=f"{batch.paid_count} of {batch.line_count} payments made; {batch.held_count} held for a check.",
            link=link, now=now,
        )  # fmt: skip
        return
    if batch.paid_count == 0:
        batch.status, batch.reason = BatchStatus.FAILED, "No payment of the file could be made."
    elif batch.failed_count:
        batch.status = BatchStatus.COMPLETED_WITH_ERRORS
    else:
        batch.status = BatchStatus.COMPLETED
    batch.completed_at = batch.updated_at = now
    batch.save(update_fields=["status", "reason", "completed_at", "updated_at"])
    if not waited:
        _payer_tell(batch, now=now)
    notifications.notify(
        customer_id=batch.customer_id,
        kind=NOTIFY_KIND,
        title="Bulk payout done",
        body=f"{batch.paid_count} of {batch.line_count} payments made ({batch.get_status_display().lower()}).",
        link=link,
        now=now,
    )


# --- held lines and their fraud cases ----------------------------------------------------------------


def batch_line_lock(*, payment_id: int) -> PaymentBatchLine | None:
    """The batch line that made ``payment_id`` (None for a payment of no batch), locked with its batch.

    The batch's row is locked first and before any ledger call of the caller: batch execution
    takes the batch, then the paying account's ledger lock, and never locks a payment it did not
    just make, so a case decided while the batch is still paying waits for the chunk and cannot
    deadlock with it.
    """
    batch_id = PaymentBatchLine.objects.filter(payment_id=payment_id).values_list("batch_id", flat=True).first()
    if batch_id is None:
        return None
    batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
    line = PaymentBatchLine.objects.select_for_update().get(payment_id=payment_id)
    line.batch = batch
    return line


def batch_line_follow(*, line: PaymentBatchLine, payment: Payment, now: datetime) -> bool:
    """Give a held line its payment's result now that the fraud case decided it; True if it changed.

    In the caller's transaction, with ``line`` from ``batch_line_lock`` and ``payment`` as the
    decision left it. The line moves from the held count to the paid or the failed one, and the
    batch ends (status, the customer told) once its last held line is decided and no line waits
    to be executed. A line that is not held, or a payment still held, changes nothing (a
    replayed event).
    """
    if line.status != LineStatus.HELD or payment.status == PaymentStatus.HELD_FOR_REVIEW:
        return False
    batch = line.batch
    _line_result(line, payment)
    line.save(update_fields=["status", "reason_code", "reason"])
    batch.held_count -= 1
    batch.held_total_minor -= line.amount_minor
    if line.status in _MADE:
        batch.paid_count += 1
        batch.paid_total_minor += line.amount_minor
    else:
        batch.failed_count += 1
    batch.updated_at = now
    batch.save(update_fields=_COUNTED_FIELDS)
    if batch.status == BatchStatus.AWAITING_REVIEW and not batch.held_count:
        _finish(batch, now=now)
    return True


def batch_line_undone(*, payment: Payment, now: datetime) -> bool:
    """A line's payment that left the bank came back: rejected by the clearing house after it was
    accepted, or returned by the payee's bank. The line and its batch say so; True if they changed.

    In the caller's transaction, with the payment locked and moved already. The line leaves the
    paid count for the failed one, and a finished batch ends with errors (failed when no line is
    left paid). A payment of no batch, or a line already told, changes nothing (a replayed file).
    """
    line = batch_line_lock(payment_id=payment.pk)
    if line is None or line.status not in _MADE:
        return False
    batch = line.batch
    line.status, line.reason_code, line.reason = LineStatus.REJECTED, payment.reason_code, payment.reason[:500]
    line.save(update_fields=["status", "reason_code", "reason"])
    batch.paid_count -= 1
    batch.paid_total_minor -= line.amount_minor
    batch.failed_count += 1
    batch.updated_at = now
    batch.save(update_fields=_COUNTED_FIELDS)
    if batch.status in (BatchStatus.COMPLETED, BatchStatus.COMPLETED_WITH_ERRORS):
        batch.status = BatchStatus.COMPLETED_WITH_ERRORS if batch.paid_count else BatchStatus.FAILED
        batch.save(update_fields=["status"])
    return True


def _payer_tell(batch: PaymentBatch, *, now: datetime) -> None:
    """The payer's one "money out" notice for the lines booked within the bank (the payees had one each)."""
    # Booked by the batch's own posting (no hold): a line booked later, from its hold (a released
    # case, a future date), was told of by that booking.
    internal = batch.lines.filter(
        payment__kind=PaymentKind.INTERNAL, payment__entry__isnull=False, payment__hold__isnull=True
    )
    booked = internal.aggregate(
        total=Sum("payment__amount_minor"), count=Count("pk"), currency=Max("payment__currency")
    )
    if booked["count"]:
        accounts.payout_notify(
            account_id=batch.source_account_id, amount=Money(booked["total"], booked["currency"]),
            count=booked["count"], description=f"Bulk payout {batch.pk}", now=now,
        )  # fmt: skip


def _line_result(line: PaymentBatchLine, payment: Payment) -> None:
    line.payment = payment
    line.status = _LINE_OF_PAYMENT.get(PaymentStatus(payment.status), LineStatus.REJECTED)
    line.reason_code = payment.reason_code if line.status == LineStatus.REJECTED else ""
    line.reason = payment.reason[:500] if line.status in (LineStatus.REJECTED, LineStatus.HELD) else ""


def _chunk_execute(batch: PaymentBatch, chunk: list[PaymentBatchLine], *, now: datetime) -> None:
    channel = PaymentChannel.API if batch.partner_id else PaymentChannel.PORTAL
    checker = _LineChecker(batch, now=now)
    checker.payees_load(line.creditor_iban for line in chunk)
    made = {
        p.idempotency_key: p
        for p in Payment.objects.filter(
            customer_id=batch.customer_id, idempotency_key__in=[line.idempotency_key for line in chunk]
        )
    }
    orders: list[tuple[PaymentBatchLine, batch_execution.Order]] = []
    for line in chunk:
        existing = made.get(line.idempotency_key)
        if existing is not None:  # made by a run whose line result was lost: take it as it is
            _line_result(line, existing)
            continue
        try:
            # Checked again now: what was valid at upload may not be any more (a date passed, an account blocked).
            draft = checker.draft(line, check=vop.PayeeCheck(line.vop_result, line.vop_name, line.internal))
        except PaymentInvalid as invalid:
            line.status, line.reason_code, line.reason = LineStatus.REJECTED, invalid.code[:40], str(invalid)[:500]
            continue
        fingerprint = sha256_of({"batch": batch.pk, "line": line.line_no})
        orders.append((line, batch_execution.Order(line.line_no, line.idempotency_key, fingerprint, draft)))
    if orders:
        batch_execution.chunk_pay(
            batch, [order for _, order in orders], channel=channel, actor=batch.uploaded_by, now=now
        )
    for line, order in orders:
        _line_result(line, order.payment)


# --- reads -------------------------------------------------------------------------------------------


def batch_of_customer(*, customer_id: int, batch_id: int) -> PaymentBatch:
    """The customer's own batch; raises ``BatchNotFound`` for any other (another's does not exist)."""
    batch = PaymentBatch.objects.filter(pk=batch_id, customer_id=customer_id).first()
    if batch is None:
        raise BatchNotFound(f"no batch {batch_id}")
    return batch


def batches_of_customer(*, customer_id: int, partner_id: int | None = None, limit: int = 50) -> list[PaymentBatch]:
    rows = PaymentBatch.objects.filter(customer_id=customer_id)
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    return list(rows.order_by("-created_at", "-id")[:limit])


def batch_lines(*, batch: PaymentBatch, problems_only: bool = False) -> list[PaymentBatchLine]:
    rows = batch.lines.select_related("payment")
    if problems_only:
        # Held lines too: the customer waits for them, and may want to tell the bank about a payee.
        rows = rows.filter(Q(status=LineStatus.INVALID) | Q(status=LineStatus.REJECTED) | Q(status=LineStatus.HELD))
    return list(rows.order_by("line_no"))


def batch_is_running(batch: PaymentBatch) -> bool:
    """Checked or paid right now (the portal polls it); waiting for the customer or for fraud cases is not."""
    return batch.status not in BATCH_FINAL_STATUSES and batch.status not in (
        BatchStatus.AWAITING_SCA, BatchStatus.AWAITING_REVIEW
    )  # fmt: skip
