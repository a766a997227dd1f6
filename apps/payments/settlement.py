"""Settlement: gathering accepted external payments into pacs.008 files in the outbox, exactly once.

A cycle runs in three steps, each safe to repeat after a crash at any point:

1. ``outbox_flush`` first writes every outgoing file an earlier run decided but did not write;
2. one transaction decides the new files: a ``SettlementCycle``, a ``ClearingFile`` per file
   with its MsgId (``decided``), and a ``PaymentSubmission`` per payment (one per payment, ever,
   a unique key); payments already submitted are skipped under ``SKIP LOCKED``;
3. each decided file is written (atomically, under ``<MsgId>.xml``; bytes from the rows alone,
   so writing again after a crash gives the same file, and an existing file is never changed),
   then, in one transaction, the file is marked written and its payments ``submitted``.

A worker killed between 2 and 3 leaves a decided file; the next run (step 1) writes it under the
MsgId already chosen. No payment is ever put in a second file.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from apps.payments import iso20022 as iso
from apps.payments.clearing_files import atomic_write, clearing_dir_check, folder, sha256
from apps.payments.models import Payment, PaymentKind, PaymentStatus
from apps.payments.models.settlement import (
    ClearingFile,
    Direction,
    FileStatus,
    IncomingCredit,
    PaymentSubmission,
    SettlementCycle,
)
from apps.payments.settlement_calendar import local_date, settlement_date_for
from apps.payments.settlement_transitions import transition_many
from bankcore.errors import DomainError

log = logging.getLogger(__name__)

ACTOR = "clearing"
DEFAULT_FILE_MAX_TRANSACTIONS = 10_000


class SettlementRefused(DomainError):
    """The settlement step cannot be done as asked; ``code`` says why."""

    code = "settlement_refused"


@dataclass(frozen=True)
class CycleResult:
    cycle_id: int | None
    settlement_date: date
    files: tuple[str, ...]  # MsgIds written by this run (earlier decided ones included)
    payments: int
    total_minor: int

    def line(self) -> str:
        total = f"{self.total_minor // 100}.{self.total_minor % 100:02d} EUR"
        return (
            f"cycle {self.cycle_id or '-'} for {self.settlement_date}: {self.payments} payment(s), {total}, "
            f"{len(self.files)} file(s) written"
        )


def new_msg_id(*, day: date, instant: bool) -> str:
    """A MsgId of at most 35 characters, unique, readable: ``BC20261202S`` + 20 hex digits."""
    return f"BC{day:%Y%m%d}{'I' if instant else 'S'}{uuid.uuid4().hex[:20]}"


def _file_max() -> int:
    return int(getattr(settings, "SETTLEMENT_FILE_MAX_TRANSACTIONS", DEFAULT_FILE_MAX_TRANSACTIONS))


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- deciding -----------------------------------------------------------------------------------


def _decide(
    *, payment_ids: list[int], instant: bool, day: date, now: datetime, cycle: SettlementCycle | None
) -> list[int]:
    """Decide outgoing pacs.008 files for locked ``payment_ids``; returns the file ids (caller's transaction)."""
    file_ids = []
    size = 1 if instant else _file_max()
    amounts = dict(Payment.objects.filter(pk__in=payment_ids).values_list("id", "amount_minor"))
    for chunk in _chunks(payment_ids, size):
        clearing_file = ClearingFile.objects.create(
            direction=Direction.OUT,
            kind=iso.PACS008,
            msg_id=(msg_id := new_msg_id(day=day, instant=instant)),
            name=f"{msg_id}.xml",
            status=FileStatus.DECIDED,
            cycle=cycle,
            instant=instant,
            settlement_date=day,
            tx_count=len(chunk),
            total_minor=sum(amounts[i] for i in chunk),
            created_at=now,
        )
        PaymentSubmission.objects.bulk_create(
            [PaymentSubmission(payment_id=i, file=clearing_file, created_at=now) for i in chunk], batch_size=2000
        )
        file_ids.append(clearing_file.pk)
    return file_ids


def _due_ids(*, kind: str, day: date) -> list[int]:
    return list(
        Payment.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=PaymentStatus.ACCEPTED, kind=kind, submission__isnull=True, execution_date__lte=day)
        .order_by("id")
        .values_list("id", flat=True)
    )


def settlement_cycle_run(*, now: datetime) -> CycleResult:
    """Submit every due accepted external payment: decide the files, write them, mark the payments submitted.

    SEPA payments whose execution date has come go into files for the settlement day the
    cut-offs give for ``now``; accepted instant payments not yet sent (their own submission
    failed) go one to a file. Safe to run twice and after a crash (see the module's note).
    """
    clearing_dir_check()
    written = list(outbox_flush(now=now))
    day = settlement_date_for(now)
    with transaction.atomic():
        sepa = _due_ids(kind=PaymentKind.SEPA, day=day)
        instant = _due_ids(kind=PaymentKind.INSTANT, day=local_date(now))
        cycle = None
        file_ids: list[int] = []
        if sepa or instant:
            total = Payment.objects.filter(pk__in=sepa + instant).aggregate(total=Sum("amount_minor"))["total"] or 0
            cycle = SettlementCycle.objects.create(
                at=now, settlement_date=day, created_at=now, payment_count=len(sepa) + len(instant), total_minor=total
            )
            file_ids = _decide(payment_ids=sepa, instant=False, day=day, now=now, cycle=cycle)
            file_ids += _decide(payment_ids=instant, instant=True, day=local_date(now), now=now, cycle=cycle)
    for file_id in file_ids:
        written.append(file_write(file_id=file_id, now=now))
    return CycleResult(
        cycle_id=cycle.pk if cycle else None,
        settlement_date=day,
        files=tuple(written),
        payments=cycle.payment_count if cycle else 0,
        total_minor=cycle.total_minor if cycle else 0,
    )


def instant_submit(*, payment_id: int, now: datetime) -> str:
    """Send one accepted instant payment at once, in a file of its own; returns the file's MsgId.

    Safe to call twice: a payment already decided keeps its file and MsgId (written if it was not).
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None or payment.kind != PaymentKind.INSTANT:
            raise SettlementRefused(f"no instant payment {payment_id}", code="not_instant")
        existing = PaymentSubmission.objects.filter(payment_id=payment_id).values_list("file_id", flat=True).first()
        if existing is None:
            if payment.status != PaymentStatus.ACCEPTED:
                raise SettlementRefused(f"payment {payment_id} is {payment.status}, not accepted", code="not_accepted")
            (existing,) = _decide(payment_ids=[payment_id], instant=True, day=local_date(now), now=now, cycle=None)
    return file_write(file_id=existing, now=now)


def instant_sweep(*, now: datetime, limit: int = 100) -> list[str]:
    """Send due accepted instant payments nobody has sent yet (the net behind their enqueue on acceptance)."""
    waiting = (
        Payment.objects.filter(
            status=PaymentStatus.ACCEPTED,
            kind=PaymentKind.INSTANT,
            submission__isnull=True,
            execution_date__lte=local_date(now),
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    return [instant_submit(payment_id=payment_id, now=now) for payment_id in waiting]


# --- writing ------------------------------------------------------------------------------------


def _credit_transfers(clearing_file: ClearingFile) -> bytes:
    payments = Payment.objects.filter(submission__file=clearing_file).order_by("id")
    transactions = [
        iso.CreditTransfer(
            tx_id=p.tx_id,
            end_to_end_id=p.end_to_end_id or "NOTPROVIDED",
            amount_minor=p.amount_minor,
            currency=p.currency,
            debtor=iso.Agent(name=p.debtor_name, iban=p.debtor_iban, bic=p.debtor_bic or settings.BANK_BIC),
            creditor=iso.Agent(name=p.creditor_name, iban=p.creditor_iban, bic=p.creditor_bic or None),
            reference=p.reference,
        )
        for p in payments.iterator(chunk_size=2000)
    ]
    assert clearing_file.settlement_date is not None
    return iso.write_credit_transfers(
        msg_id=clearing_file.msg_id,
        created_at=clearing_file.created_at,
        settlement_date=clearing_file.settlement_date,
        transactions=transactions,
        instant=clearing_file.instant,
        instructing_bic=settings.BANK_BIC,
    )


def _returns(clearing_file: ClearingFile) -> bytes:
    credits = IncomingCredit.objects.filter(return_file=clearing_file).order_by("id")
    transactions = [
        iso.ReturnTransaction(
            return_id=f"RT{c.pk}",
            orig_msg_id=c.msg_id,
            orig_msg_name=iso.PACS008,
            orig_tx_id=c.tx_id,
            orig_end_to_end_id=c.end_to_end_id,
            amount_minor=c.amount_minor,
            currency=c.currency,
            reason_code=c.reason_code,
            orig_amount_minor=c.amount_minor,
            debtor=iso.Agent(name=c.debtor_name, iban=c.debtor_iban) if c.debtor_iban else None,
            creditor=iso.Agent(name=c.creditor_name or "NOTPROVIDED", iban=c.creditor_iban),
        )
        for c in credits
    ]
    assert clearing_file.settlement_date is not None
    return iso.write_returns(
        msg_id=clearing_file.msg_id,
        created_at=clearing_file.created_at,
        settlement_date=clearing_file.settlement_date,
        transactions=transactions,
        instructing_bic=settings.BANK_BIC,
    )


def file_write(*, file_id: int, now: datetime) -> str:
    """Write a decided outgoing file to the outbox and record it; its MsgId. Safe to run twice."""
    clearing_file = ClearingFile.objects.get(pk=file_id, direction=Direction.OUT)
    if clearing_file.status == FileStatus.WRITTEN:
        return clearing_file.msg_id
    data = _credit_transfers(clearing_file) if clearing_file.kind == iso.PACS008 else _returns(clearing_file)
    path = folder("outbox") / clearing_file.name
    digest = sha256(data)
    if path.exists():
        # Written before a crash; never changed afterwards. The same rows give the same bytes.
        found = sha256(path.read_bytes())
        if found != digest:
            log.error("outbox file differs from its rows", extra={"msg_id": clearing_file.msg_id})
        digest = found
    else:
        atomic_write(path, data)
    with transaction.atomic():
        locked = ClearingFile.objects.select_for_update().get(pk=file_id)
        if locked.status == FileStatus.WRITTEN:
            return locked.msg_id
        locked.status = FileStatus.WRITTEN
        locked.written_at = now
        locked.sha256 = digest
        locked.save(update_fields=["status", "written_at", "sha256"])
        if locked.kind == iso.PACS008:
            _mark_submitted(file=locked, now=now)
    return clearing_file.msg_id


def _mark_submitted(*, file: ClearingFile, now: datetime) -> None:
    payments = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(submission__file=file, status=PaymentStatus.ACCEPTED)
        .order_by("id")
    )
    transition_many(payments, to=PaymentStatus.SUBMITTED, actor=ACTOR, reason=f"sent in {file.msg_id}", now=now)


def outbox_flush(*, now: datetime) -> list[str]:
    """Write every outgoing file that was decided but not written (a crash, or a bank return); their MsgIds."""
    pending = ClearingFile.objects.filter(direction=Direction.OUT, status=FileStatus.DECIDED).order_by("id")
    return [file_write(file_id=file_id, now=now) for file_id in pending.values_list("id", flat=True)]
