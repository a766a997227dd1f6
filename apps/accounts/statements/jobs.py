"""Statement jobs: asked for in the portal or by the monthly run, rendered on the ``reports``
queue with their progress recorded, stored under ``STATEMENTS_DIR`` and handed only to the
account's holder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.accounts import selectors
from apps.accounts.errors import AccountNotFound
from apps.accounts.events import ACCOUNT_STATEMENT_READY
from apps.accounts.interest import bank_date, day_end, day_start
from apps.accounts.models import Account
from apps.accounts.models.statements import StatementFormat, StatementJob
from apps.accounts.statements import builder
from apps.accounts.statements.builder import StatementRefused
from apps.accounts.statements.camt053 import camt053_render
from apps.accounts.statements.document import Statement
from apps.accounts.statements.pdf import pdf_render
from bankcore import events, notifications

log = logging.getLogger(__name__)

NOTIFY_KIND = "accounts.statement"
_EXTENSIONS = {StatementFormat.PDF: "pdf", StatementFormat.CAMT053: "xml"}
CONTENT_TYPES = {StatementFormat.PDF: "application/pdf", StatementFormat.CAMT053: "application/xml"}


def statements_dir() -> Path:
    return Path(settings.STATEMENTS_DIR)


def statement_render(*, statement: Statement, fmt: str) -> bytes:
    """The statement's bytes in ``fmt`` (``pdf`` or ``camt053``; the XML is schema-validated)."""
    if fmt == StatementFormat.PDF:
        return pdf_render(statement=statement)
    if fmt == StatementFormat.CAMT053:
        return camt053_render(statement=statement)
    raise StatementRefused(f"unknown format {fmt!r}: pdf or camt053", code="unknown_format")


def _write(content: bytes, *, account_id: int, extension: str) -> str:
    """Write atomically (a temporary name, then rename) under STATEMENTS_DIR; returns the relative name."""
    folder = statements_dir() / str(account_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{uuid.uuid4().hex}.{extension}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return f"{account_id}/{name}"


def statement_job_request(
    *, customer_id: int, account_id: int, from_date: date, to_date: date, fmt: str, now: datetime
) -> int:
    """Queue a statement of the customer's own account; returns the job id.

    Raises ``AccountNotFound`` for an account the customer does not hold and ``StatementRefused``
    for a bad range or format. The job runs after commit on the ``reports`` queue.
    """
    if selectors.account_of_customer(customer_id=customer_id, account_id=account_id) is None:
        raise AccountNotFound(f"No account {account_id}.")
    builder.statement_range_check(from_date=from_date, to_date=to_date, now=now)
    if fmt not in StatementFormat.values:
        raise StatementRefused(f"unknown format {fmt!r}: pdf or camt053", code="unknown_format")
    with transaction.atomic():
        job = StatementJob.objects.create(
            account_id=account_id,
            customer_id=customer_id,
            from_date=from_date,
            to_date=to_date,
            format=fmt,
            created_at=now,
        )
        _enqueue(job.pk)
    return job.pk


def _enqueue(job_id: int) -> None:
    from apps.accounts.statements import tasks

    transaction.on_commit(lambda: tasks.statement_job_run.delay(job_id=job_id))


def statement_job_run(*, job_id: int, now: datetime) -> bool:
    """Render a queued job; True if this call finished it. Safe to run twice (a redelivery after a
    lost worker renders again from the start; a finished job is left as it is)."""
    claimed = StatementJob.objects.filter(
        pk=job_id, status__in=[StatementJob.Status.QUEUED, StatementJob.Status.RUNNING]
    ).update(status=StatementJob.Status.RUNNING, started_at=now, lines_done=0)
    if not claimed:
        return False
    job = StatementJob.objects.select_related("account").get(pk=job_id)
    total = builder.postings_count(
        ledger_account_id=job.account.ledger_account_id, from_date=job.from_date, to_date=job.to_date
    )
    StatementJob.objects.filter(pk=job_id).update(lines_total=total)

    def progress(done: int) -> None:
        # Its own autocommit write, so the portal's polling sees it while the job runs.
        StatementJob.objects.filter(pk=job_id).update(lines_done=min(done, total))

    try:
        statement = builder.statement_build(
            account_id=job.account_id, from_date=job.from_date, to_date=job.to_date, now=now, on_page=progress
        )
        content = statement_render(statement=statement, fmt=job.format)
    except (StatementRefused, AccountNotFound) as refused:
        StatementJob.objects.filter(pk=job_id).update(
            status=StatementJob.Status.FAILED, error=str(refused)[:300], finished_at=now
        )
        return False
    name = _write(content, account_id=job.account_id, extension=_EXTENSIONS[StatementFormat(job.format)])
    lines = len(statement.lines)
    with transaction.atomic():
        StatementJob.objects.filter(pk=job_id).update(
            status=StatementJob.Status.READY,
            file_name=name,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            lines_total=lines,
            lines_done=lines,
            finished_at=now,
        )
        events.publish(
            ACCOUNT_STATEMENT_READY,
            {
                "account_id": job.account_id,
                "customer_id": job.customer_id,
                "statement_id": job_id,
                "from_date": job.from_date.isoformat(),
                "to_date": job.to_date.isoformat(),
                "format": job.format,
            },
        )
        notifications.notify(
            customer_id=job.customer_id,
            kind=NOTIFY_KIND,
            title="Your statement is ready",
            body=(
                f"The statement of {job.account.iban} from {job.from_date.isoformat()} to"
                f" {job.to_date.isoformat()} is ready to download."
            ),
            link=f"/app/accounts/{job.account_id}/statements/",
            now=now,
        )
    log.info("statement ready", extra={"job_id": job_id, "lines": lines, "bytes": len(content)})
    return True


def statement_job_fail(*, job_id: int, error: str, now: datetime) -> None:
    """Mark a job failed after an unexpected error (the worker logs the error itself)."""
    StatementJob.objects.filter(pk=job_id).exclude(status=StatementJob.Status.READY).update(
        status=StatementJob.Status.FAILED, error=error[:300], finished_at=now
    )


@dataclass(frozen=True)
class StatementFile:
    path: Path
    download_name: str
    content_type: str


def statement_job_of_customer(*, customer_id: int, job_id: int) -> StatementJob | None:
    """The job if it is ``customer_id``'s (a stranger's job is no job)."""
    return StatementJob.objects.select_related("account").filter(pk=job_id, customer_id=customer_id).first()


def statement_jobs_of_account(*, customer_id: int, account_id: int, limit: int = 24) -> list[StatementJob]:
    return list(
        StatementJob.objects.filter(account_id=account_id, customer_id=customer_id).order_by("-created_at", "-id")[
            :limit
        ]
    )


def statement_file(*, customer_id: int, job_id: int) -> StatementFile:
    """The ready file of the customer's own job; ``AccountNotFound`` for anything else."""
    job = statement_job_of_customer(customer_id=customer_id, job_id=job_id)
    if job is None or job.status != StatementJob.Status.READY or not job.file_name:
        raise AccountNotFound("No such statement.")
    root = statements_dir().resolve()
    path = (root / job.file_name).resolve()
    if root not in path.parents or not path.is_file():
        raise AccountNotFound("No such statement.")
    fmt = StatementFormat(job.format)
    name = f"statement-{job.account.iban}-{job.from_date.isoformat()}-{job.to_date.isoformat()}.{_EXTENSIONS[fmt]}"
    return StatementFile(path=path, download_name=name, content_type=CONTENT_TYPES[fmt])


def previous_month(now: datetime) -> tuple[date, date]:
    """The last bank month that has ended at ``now``: its first and last day."""
    first_of_this = bank_date(now).replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def statements_monthly_request(*, now: datetime) -> int:
    """Queue last month's PDF statement for every account open at some time in it; returns how
    many were new. Runs any number of times: one job per account and month (a unique row)."""
    from_date, to_date = previous_month(now)
    open_in_month = Account.objects.filter(opened_at__lt=day_end(to_date)).exclude(closed_at__lt=day_start(from_date))
    existing = set(
        StatementJob.objects.filter(
            origin=StatementJob.Origin.MONTHLY, from_date=from_date, to_date=to_date, format=StatementFormat.PDF
        ).values_list("account_id", flat=True)
    )
    created = 0
    for account_id, customer_id in open_in_month.values_list("id", "customer_id").order_by("id").iterator():
        if account_id in existing:
            continue
        with transaction.atomic():
            job, new = StatementJob.objects.get_or_create(
                account_id=account_id,
                from_date=from_date,
                to_date=to_date,
                format=StatementFormat.PDF,
                origin=StatementJob.Origin.MONTHLY,
                defaults={"customer_id": customer_id, "created_at": now},
            )
            if new:
                created += 1
                _enqueue(job.pk)
    return created
