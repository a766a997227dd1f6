"""Taking the clearing house's files: status reports, returns and incoming credit transfers.

``clearing_ingest_run`` takes every file in the inbox. Each file is read and validated against
its XSD first, then applied in one transaction; after the commit it moves to ``processed/``. A
file that cannot be taken (not XML, not one of the messages, not XSD-valid, naming a payment
or message the bank does not know, contradicting what the bank knows such as another
end-to-end id or amount) changes nothing and moves to ``rejected/`` with ``NAME.error.txt``.
A file whose MsgId the bank already has changes nothing either (it is moved to ``processed/``).

Matching uses the standard identifiers only: the original message (per transaction, or the
report's one original group) and ``OrgnlTxId``; ``OrgnlEndToEndId`` only cross-checks. ACSC
settles (the hold captured into the settlement account), RJCT rejects (the hold and the KYC
usage released), a group RJCT rejects every transaction of its message that the report does not
name, ACCP / ACSP / ACTC / PDNG change nothing, and a report contradicting a final state goes
to the exceptions queue.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery

from apps.payments import iso20022 as iso
from apps.payments.clearing_accounts import settlement_ledger_id, suspense_ledger_id
from apps.payments.clearing_files import inbox_files, move_aside, sha256
from apps.payments.clearing_incoming import credits_apply
from apps.payments.models import Payment, PaymentKind, PaymentStatus
from apps.payments.models.settlement import ClearingException, ClearingFile, Direction, FileStatus
from apps.payments.services import batches
from apps.payments.services.entry_metadata import entry_metadata
from apps.payments.services.transitions import apply_transition
from apps.payments.settlement import ACTOR, outbox_flush
from apps.payments.settlement_transitions import transition_many
from bankcore.errors import DomainError
from bankcore.ledger import services as ledger
from bankcore.ledger.errors import LedgerError
from bankcore.ledger.models import Hold
from bankcore.money import Money

log = logging.getLogger(__name__)

SETTLES = "ACSC"
REJECTS = "RJCT"
# Accepted for now, pending, received…: the payment waits for a final answer.
LOOKUP_CHUNK = 2000
NON_FINAL = frozenset({"ACCP", "ACSP", "ACTC", "ACWC", "ACWP", "PDNG", "RCVD", "ACCC", "ACFC", "PART"})


class IngestRefused(DomainError):
    """The file cannot be taken; nothing of it was applied."""

    code = "ingest_refused"


@dataclass
class IngestResult:
    processed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    settled: int = 0
    rejected_payments: int = 0
    returned: int = 0
    received: int = 0
    exceptions: int = 0

    def line(self) -> str:
        return (
            f"{len(self.processed)} file(s) processed, {len(self.duplicates)} duplicate(s), "
            f"{len(self.rejected)} rejected; {self.settled} settled, {self.rejected_payments} rejected, "
            f"{self.returned} returned, {self.received} received, {self.exceptions} exception(s)"
        )


def clearing_ingest_run(*, now: datetime) -> IngestResult:
    """Take every file of the inbox (see the module's note); safe to run twice and after a crash."""
    result = IngestResult()
    for path in inbox_files():
        ingest_file(path=path, now=now, result=result)
    # Returns the bank decided while taking incoming transfers go out now.
    outbox_flush(now=now)
    return result


def ingest_file(*, path: Path, now: datetime, result: IngestResult) -> str:
    """Take one inbox file; answers ``processed`` | ``duplicate`` | ``rejected``."""
    data = path.read_bytes()
    try:
        message = iso.read(data)
    except iso.IsoError as error:
        return _reject(path=path, data=data, kind="unknown", msg_id="", error=str(error), now=now, result=result)
    if ClearingFile.objects.filter(direction=Direction.IN, msg_id=message.msg_id).exists():
        return _duplicate(path=path, message=message, result=result)
    counts = IngestResult()
    try:
        with transaction.atomic():
            clearing_file = ClearingFile.objects.create(
                direction=Direction.IN,
                kind=message.kind,
                msg_id=message.msg_id,
                name=path.name,
                status=FileStatus.PROCESSED,
                tx_count=len(message.transactions),
                total_minor=sum(getattr(tx, "amount_minor", 0) for tx in message.transactions),
                created_at=message.created_at,
                processed_at=now,
                sha256=sha256(data),
                settlement_date=getattr(message, "settlement_date", None),
            )
            if isinstance(message, iso.StatusReport):
                _apply_status_report(message, clearing_file=clearing_file, now=now, counts=counts)
            elif isinstance(message, iso.ReturnMessage):
                _apply_returns(message, clearing_file=clearing_file, now=now, counts=counts)
            else:
                counts.received += credits_apply(message, clearing_file=clearing_file, now=now)
    except IntegrityError:
        # Another ingest took the same MsgId at the same moment: that one applies it.
        if ClearingFile.objects.filter(direction=Direction.IN, msg_id=message.msg_id).exists():
            return _duplicate(path=path, message=message, result=result)
        raise
    except (IngestRefused, iso.IsoError) as error:
        return _reject(
            path=path, data=data, kind=message.kind, msg_id=message.msg_id, error=str(error), now=now, result=result
        )
    move_aside(path, to="processed")
    result.processed.append(path.name)
    for name in ("settled", "rejected_payments", "returned", "received", "exceptions"):
        setattr(result, name, getattr(result, name) + getattr(counts, name))
    return "processed"


def _duplicate(*, path: Path, message: iso.Message, result: IngestResult) -> str:
    ClearingFile.objects.filter(direction=Direction.IN, msg_id=message.msg_id).update(
        duplicates=ClearingFile.objects.get(direction=Direction.IN, msg_id=message.msg_id).duplicates + 1
    )
    log.info("clearing file with a known MsgId: nothing changes", extra={"msg_id": message.msg_id})
    move_aside(path, to="processed")
    result.duplicates.append(path.name)
    return "duplicate"


def _reject(*, path: Path, data: bytes, kind: str, msg_id: str, error: str, now: datetime, result: IngestResult) -> str:
    text = f"{path.name}: {error}" + (f" (MsgId {msg_id})" if msg_id else "")
    # The rejected file keeps no MsgId: it was not taken, so a corrected file may still come.
    ClearingFile.objects.create(
        direction=Direction.IN,
        kind=kind,
        msg_id="",
        name=path.name,
        status=FileStatus.REJECTED,
        created_at=now,
        processed_at=now,
        sha256=sha256(data),
        error=text[:5000],
    )
    move_aside(path, to="rejected", error=text)
    result.rejected[path.name] = error
    log.warning("clearing file rejected", extra={"file": path.name, "error": error})
    return "rejected"


# --- status reports -----------------------------------------------------------------------------


def _outgoing(msg_id: str, known: dict[str, ClearingFile]) -> ClearingFile:
    if msg_id not in known:
        found = ClearingFile.objects.filter(direction=Direction.OUT, kind=iso.PACS008, msg_id=msg_id).first()
        if found is None:
            raise IngestRefused(f"no message {msg_id} was sent by this bank", code="unknown_message")
        known[msg_id] = found
    return known[msg_id]


def _check_end_to_end(payment: Payment, *, tx_id: str, end_to_end_id: str | None) -> Payment:
    if end_to_end_id and end_to_end_id != (payment.end_to_end_id or "NOTPROVIDED"):
        raise IngestRefused(
            f"transaction {tx_id}: end-to-end id {end_to_end_id!r} contradicts {payment.end_to_end_id!r}",
            code="contradiction",
        )
    return payment


def _payment_of(*, sent: ClearingFile, tx_id: str, end_to_end_id: str | None) -> Payment:
    payment = Payment.objects.select_for_update(of=("self",)).filter(tx_id=tx_id, submission__file=sent).first()
    if payment is None:
        raise IngestRefused(f"no transaction {tx_id} in message {sent.msg_id}", code="unknown_payment")
    return _check_end_to_end(payment, tx_id=tx_id, end_to_end_id=end_to_end_id)


def _payments_of(pairs: list[tuple[ClearingFile, str]]) -> dict[tuple[int, str], Payment]:
    """The payments a report names, locked, in a few statements: (file id, tx id) -> payment."""
    found: dict[tuple[int, str], Payment] = {}
    for start in range(0, len(pairs), LOOKUP_CHUNK):
        chunk = pairs[start : start + LOOKUP_CHUNK]
        rows = (
            Payment.objects.select_for_update(of=("self",))
            .filter(tx_id__in=[tx_id for _, tx_id in chunk], submission__file__in={f.pk for f, _ in chunk})
            .annotate(sent_file_id=F("submission__file_id"))
            .order_by("id")
        )
        for payment in rows:
            found[(payment.sent_file_id, payment.tx_id)] = payment
    return found


def _apply_status_report(
    report: iso.StatusReport, *, clearing_file: ClearingFile, now: datetime, counts: IngestResult
) -> None:
    known: dict[str, ClearingFile] = {}
    pairs = [(_outgoing(tx.orig_msg_id, known), tx.orig_tx_id) for tx in report.transactions]
    payments = _payments_of(pairs)
    named: dict[int, set[str]] = defaultdict(set)
    to_settle: dict[int, Payment] = {}
    for (sent, tx_id), tx in zip(pairs, report.transactions, strict=True):
        payment = payments.get((sent.pk, tx_id))
        if payment is None:
            raise IngestRefused(f"no transaction {tx_id} in message {sent.msg_id}", code="unknown_payment")
        _check_end_to_end(payment, tx_id=tx_id, end_to_end_id=tx.orig_end_to_end_id)
        named[sent.pk].add(tx_id)
        if tx.status == SETTLES and payment.status in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED):
            to_settle[payment.pk] = payment
            continue
        _apply_status(
            payment, status=tx.status, reason=tx.reason_code, clearing_file=clearing_file, now=now, counts=counts
        )
    for group in report.groups:
        sent = _outgoing(group.orig_msg_id, known)
        if group.status not in (SETTLES, REJECTS):
            continue
        # A group status covers every transaction of the message the report does not name itself.
        others = (
            Payment.objects.select_for_update(of=("self",))
            .filter(submission__file=sent)
            .exclude(tx_id__in=named[sent.pk])
            .order_by("id")
        )
        for payment in others:
            if group.status == SETTLES and payment.status in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED):
                to_settle[payment.pk] = payment
                continue
            _apply_status(
                payment,
                status=group.status,
                reason=group.reason_code,
                clearing_file=clearing_file,
                now=now,
                counts=counts,
            )
    _settle_many(
        [p for p in to_settle.values() if p.status in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED)],
        clearing_file=clearing_file,
        now=now,
        counts=counts,
    )


def _outgoing_metadata(payment: Payment) -> dict[str, object]:
    """The payer's history shows the payee of another bank and the payer's own reference, not settlement's."""
    return entry_metadata(
        reference=payment.reference,
        end_to_end_id=payment.end_to_end_id,
        name=payment.creditor_name,
        iban=payment.creditor_iban,
    )


def _settle_many(payments: list[Payment], *, clearing_file: ClearingFile, now: datetime, counts: IngestResult) -> None:
    """ACSC for many payments: their holds captured in one batch, their steps taken in bulk."""
    if not payments:
        return
    # Written and answered before the cycle could record them as submitted (a crash in between).
    transition_many(
        [p for p in payments if p.status == PaymentStatus.ACCEPTED],
        to=PaymentStatus.SUBMITTED,
        actor=ACTOR,
        reason="sent",
        now=now,
    )
    settlement_id = settlement_ledger_id()
    settled: list[Payment] = []
    for start in range(0, len(payments), LOOKUP_CHUNK):
        chunk = payments[start : start + LOOKUP_CHUNK]
        results = ledger.hold_capture_batch(
            captures=[
                (p.hold_id or 0, settlement_id, f"{p.ref}:settle", f"SEPA {p.tx_id} to {p.creditor_name}"[:200])
                for p in chunk
            ],
            now=now,
            metadata={f"{p.ref}:settle": _outgoing_metadata(p) for p in chunk},
        )
        for payment, result in zip(chunk, results, strict=True):
            if result.posted:
                payment.entry_id = result.entry_id
                settled.append(payment)
                continue
            # The clearing has paid; the bank's side needs a person (an expired hold, a frozen account).
            _exception(
                payment,
                kind=ClearingException.Kind.SETTLE_FAILED,
                status=SETTLES,
                reason=None,
                clearing_file=clearing_file,
                detail=f"ACSC, but the hold could not be captured: {result.code}: {result.message}",
                now=now,
            )
            counts.exceptions += 1
    counts.settled += transition_many(
        settled, to=PaymentStatus.SETTLED, actor=ACTOR, reason=f"ACSC in {clearing_file.msg_id}", now=now
    )
    # Each payment points at its capture: one statement, the entry read from the hold it captured.
    ids = [payment.pk for payment in settled]
    capture = Hold.objects.filter(pk=OuterRef("hold_id")).values("capture_entry_id")[:1]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        Payment.objects.filter(pk__in=ids[start : start + LOOKUP_CHUNK]).update(entry_id=Subquery(capture))


def _exception(
    payment: Payment,
    *,
    kind: str,
    status: str,
    reason: str | None,
    clearing_file: ClearingFile,
    detail: str,
    now: datetime,
) -> None:
    ClearingException.objects.get_or_create(
        file=clearing_file,
        payment=payment,
        reported_status=status,
        defaults={"kind": kind, "reason_code": reason or "", "detail": detail[:500], "created_at": now},
    )


def _settle(payment: Payment, *, clearing_file: ClearingFile, now: datetime) -> bool:
    if payment.status == PaymentStatus.ACCEPTED:
        # Written and answered before the cycle could record it as submitted (a crash in between).
        apply_transition(payment, to=PaymentStatus.SUBMITTED, actor=ACTOR, reason="sent", now=now)
    try:
        if payment.hold_id is None:
            raise LedgerError("the payment has no hold", code="no_hold")
        entry_id = ledger.hold_capture(
            hold_id=payment.hold_id,
            to_account_id=settlement_ledger_id(),
            idempotency_key=f"{payment.ref}:settle",
            now=now,
            description=f"SEPA {payment.tx_id} to {payment.creditor_name}"[:200],
            metadata=_outgoing_metadata(payment),
        )
    except LedgerError as error:
        # The clearing has paid; the bank's side needs a person (an expired hold, a frozen account).
        _exception(
            payment,
            kind=ClearingException.Kind.SETTLE_FAILED,
            status=SETTLES,
            reason=None,
            clearing_file=clearing_file,
            detail=f"ACSC, but the hold could not be captured: {error.code}: {error}",
            now=now,
        )
        return False
    payment.entry_id = entry_id
    payment.save(update_fields=["entry"])
    apply_transition(payment, to=PaymentStatus.SETTLED, actor=ACTOR, reason=f"ACSC in {clearing_file.msg_id}", now=now)
    return True


def _apply_status(
    payment: Payment,
    *,
    status: str,
    reason: str | None,
    clearing_file: ClearingFile,
    now: datetime,
    counts: IngestResult,
) -> None:
    current = payment.status
    if status == SETTLES:
        if current in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED):
            if _settle(payment, clearing_file=clearing_file, now=now):
                counts.settled += 1
            else:
                counts.exceptions += 1
        elif current == PaymentStatus.REJECTED:
            # Instant: the house gave up (AB05) and the acceptance came later. Never the balance's business.
            kind = (
                ClearingException.Kind.LATE_ACCEPTANCE
                if payment.kind == PaymentKind.INSTANT
                else ClearingException.Kind.CONTRADICTION
            )
            _exception(
                payment,
                kind=kind,
                status=status,
                reason=reason,
                clearing_file=clearing_file,
                detail=f"ACSC after the payment was rejected ({payment.reason_code or 'no code'})",
                now=now,
            )
            counts.exceptions += 1
        elif current not in (PaymentStatus.SETTLED, PaymentStatus.RETURNED):
            raise IngestRefused(f"payment {payment.pk} is {current}; ACSC contradicts it", code="contradiction")
    elif status == REJECTS:
        if current in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED):
            code = (reason or "NARR")[:4]
            apply_transition(
                payment,
                to=PaymentStatus.REJECTED,
                actor=ACTOR,
                reason=f"RJCT {code} in {clearing_file.msg_id}",
                reason_code=code,
                now=now,
            )
            batches.batch_line_undone(payment=payment, now=now)
            counts.rejected_payments += 1
        elif current in (PaymentStatus.SETTLED, PaymentStatus.RETURNED):
            _exception(
                payment,
                kind=ClearingException.Kind.CONTRADICTION,
                status=status,
                reason=reason,
                clearing_file=clearing_file,
                detail=f"RJCT {reason or ''} after the payment was {current}",
                now=now,
            )
            counts.exceptions += 1
        elif current != PaymentStatus.REJECTED:
            raise IngestRefused(f"payment {payment.pk} is {current}; RJCT contradicts it", code="contradiction")
    elif status not in NON_FINAL:
        raise IngestRefused(f"transaction status {status!r} is not one the bank knows", code="unknown_status")


# --- returns ------------------------------------------------------------------------------------


def _apply_returns(
    message: iso.ReturnMessage, *, clearing_file: ClearingFile, now: datetime, counts: IngestResult
) -> None:
    known: dict[str, ClearingFile] = {}
    for tx in message.transactions:
        if tx.orig_msg_name != iso.PACS008:
            raise IngestRefused(f"a return of a {tx.orig_msg_name} the bank never sends", code="unknown_message")
        sent = _outgoing(tx.orig_msg_id, known)
        payment = _payment_of(sent=sent, tx_id=tx.orig_tx_id, end_to_end_id=tx.orig_end_to_end_id)
        if tx.currency != payment.currency or tx.amount_minor > payment.amount_minor:
            raise IngestRefused(
                f"transaction {tx.orig_tx_id}: returned {Money(tx.amount_minor, tx.currency)} "
                f"exceeds what was paid ({Money(payment.amount_minor, payment.currency)})",
                code="contradiction",
            )
        if payment.status == PaymentStatus.RETURNED:
            continue
        # A return implies the money was settled; the report of it may not have come (yet).
        if payment.status in (PaymentStatus.SUBMITTED, PaymentStatus.ACCEPTED) and _settle(
            payment, clearing_file=clearing_file, now=now
        ):
            counts.settled += 1
        if payment.status != PaymentStatus.SETTLED:
            _exception(
                payment,
                kind=ClearingException.Kind.RETURN_UNSETTLED,
                status="RTRN",
                reason=tx.reason_code,
                clearing_file=clearing_file,
                detail=f"return {tx.reason_code} of a payment that is {payment.status}",
                now=now,
            )
            counts.exceptions += 1
            continue
        amount = Money(tx.amount_minor, tx.currency)
        description = f"Return {tx.reason_code} of SEPA {payment.tx_id}"[:200]
        try:
            entry_id = ledger.transfer(
                from_account_id=settlement_ledger_id(),
                to_account_id=payment.source_ledger_account_id,
                amount=amount,
                idempotency_key=f"{payment.ref}:return",
                description=description,
                metadata=_outgoing_metadata(payment),
            )
        except LedgerError as error:
            # The payer's account cannot take it (frozen, closed): suspense keeps it for staff.
            entry_id = ledger.transfer(
                from_account_id=settlement_ledger_id(),
                to_account_id=suspense_ledger_id(),
                amount=amount,
                idempotency_key=f"{payment.ref}:return",
                description=description,
            )
            _exception(
                payment,
                kind=ClearingException.Kind.RETURN_UNBOOKABLE,
                status="RTRN",
                reason=tx.reason_code,
                clearing_file=clearing_file,
                detail=f"returned money held in suspense: the account refused it ({error.code})",
                now=now,
            )
            counts.exceptions += 1
        payment.return_entry_id = entry_id
        payment.save(update_fields=["return_entry"])
        apply_transition(
            payment,
            to=PaymentStatus.RETURNED,
            actor=ACTOR,
            reason=f"returned {tx.reason_code} in {clearing_file.msg_id}",
            reason_code=tx.reason_code[:4],
            now=now,
        )
        batches.batch_line_undone(payment=payment, now=now)
        counts.returned += 1
