"""Statement jobs: a statement asked for in the portal or made by the monthly run, rendered by
a worker on the ``reports`` queue. The file lives under ``STATEMENTS_DIR`` (never a public
path) and is served only through the access-checked download view."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models.accounts import Account


class StatementFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CAMT053 = "camt053", "ISO 20022 camt.053 (XML)"


class StatementJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Origin(models.TextChoices):
        REQUESTED = "requested", "Requested"
        MONTHLY = "monthly", "Monthly"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="statement_jobs")
    customer_id = models.BigIntegerField()  # the account's holder when asked: whose it is to download
    from_date = models.DateField()
    to_date = models.DateField()
    format = models.CharField(max_length=8, choices=StatementFormat.choices)
    origin = models.CharField(max_length=9, choices=Origin.choices, default=Origin.REQUESTED)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    lines_total = models.PositiveIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)
    # Relative to STATEMENTS_DIR; empty until ready.
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="accounts_stmtjob_account")]
        constraints = [
            models.CheckConstraint(condition=Q(from_date__lte=F("to_date")), name="accounts_stmtjob_range"),
            models.CheckConstraint(condition=Q(lines_done__lte=F("lines_total")), name="accounts_stmtjob_progress"),
            # The monthly run makes one statement per account, month and format, however often it runs.
            models.UniqueConstraint(
                fields=["account", "from_date", "to_date", "format"],
                condition=Q(origin="monthly"),
                name="accounts_stmtjob_monthly_once",
            ),
        ]

    def __str__(self) -> str:
        return f"statement {self.account_id} {self.from_date}..{self.to_date} {self.format} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return 0 if not self.lines_total else min(99, self.lines_done * 100 // self.lines_total)
