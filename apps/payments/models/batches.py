"""Bulk payout files: one batch per uploaded file, one line per payment it asks for.

A batch is checked line by line when it arrives (a bad line is a line's result, never the
file's), approved once (one SCA bound to its total and payees, or a partner's secure corporate
process), then executed off the request in chunks. Each line keeps its own result: the payment
it made or why it made none, so a rerun after a crash skips what is done and pays nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VALIDATING = "validating", "Being checked"
    AWAITING_SCA = "awaiting_sca", "Waiting for your approval"
    PROCESSING = "processing", "Being paid"
    # Every line has been executed but some are held for a fraud case: their money has not moved
    # and the case decides them, so the file is not done yet (nothing runs while it waits).
    AWAITING_REVIEW = "awaiting_review", "Some payments held for a check"
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"


BATCH_FINAL_STATUSES = frozenset({BatchStatus.COMPLETED, BatchStatus.COMPLETED_WITH_ERRORS, BatchStatus.FAILED})


class BatchFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PAIN001 = "pain.001", "pain.001.001.10"
    JSON = "json", "JSON"


class LineStatus(models.TextChoices):
    INVALID = "invalid", "Invalid"  # refused when checked: never paid
    PENDING = "pending", "Waiting"
    PAID = "paid", "Paid"  # booked within the bank
    ACCEPTED = "accepted", "Accepted"  # to another bank: funds held, leaves with settlement
    HELD = "held", "Held for review"
    REJECTED = "rejected", "Rejected"


LINE_DONE_STATUSES = frozenset(
    {LineStatus.INVALID, LineStatus.PAID, LineStatus.ACCEPTED, LineStatus.HELD, LineStatus.REJECTED}
)


class PaymentBatch(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_account_id = models.BigIntegerField()  # apps.accounts id of the paying account
    uploaded_by = models.CharField(max_length=64)  # "customer:<id>" or "partner:<id>"
    partner_id = models.BigIntegerField(null=True, blank=True)  # a partner acting for its business customer
    source_format = models.CharField(max_length=10, choices=BatchFormat.choices)
    filename = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=35, blank=True)  # pain.001 GrpHdr/MsgId
    status = models.CharField(max_length=24, choices=BatchStatus.choices, default=BatchStatus.RECEIVED)
    reason = models.CharField(max_length=500, blank=True)
    # The customer's recorded choice: no verification of payee for this file (business only).
    vop_opted_out = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="EUR")

    line_count = models.PositiveIntegerField(default=0)
    valid_count = models.PositiveIntegerField(default=0)
    valid_total_minor = models.BigIntegerField(default=0)  # what the approval covers
    done_count = models.PositiveIntegerField(default=0)  # valid lines executed so far (progress)
    paid_count = models.PositiveIntegerField(default=0)  # lines whose payment was made or accepted (paid, accepted)
    paid_total_minor = models.BigIntegerField(default=0)
    # Lines whose payment waits for its fraud case: neither paid nor failed until the case decides.
    held_count = models.PositiveIntegerField(default=0)
    held_total_minor = models.BigIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)  # invalid or rejected lines

    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    sca_exemption = models.CharField(max_length=32, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "payment batch"
        verbose_name_plural = "payment batches"
        indexes = [models.Index(fields=["customer", "-created_at", "-id"], name="paybatch_customer_recent")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="paybatch_key_per_payer"),
            models.CheckConstraint(condition=models.Q(status__in=BatchStatus.values), name="paybatch_status_known"),
            models.CheckConstraint(
                condition=models.Q(done_count__lte=models.F("valid_count")), name="paybatch_done_le_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"payment batch #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        return 100 if not self.valid_count else int(100 * self.done_count / self.valid_count)


class PaymentBatchLine(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()  # 1-based, in the file's order
    creditor_name = models.CharField(max_length=140)
    creditor_iban = models.CharField(max_length=42)
    amount_text = models.CharField(max_length=40, blank=True)  # as written in the file
    amount_minor = models.BigIntegerField(default=0)  # 0 until checked, and for a line whose amount is wrong
    currency = models.CharField(max_length=3, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    end_to_end_id = models.CharField(max_length=64, blank=True)
    execution_date_text = models.CharField(max_length=30, blank=True)  # as written in the file
    execution_date = models.DateField(null=True, blank=True)  # None: today
    internal = models.BooleanField(default=False)  # the payee's IBAN is this bank's

    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    reason_code = models.CharField(max_length=40, blank=True)  # a validation code or an ISO reason code
    reason = models.CharField(max_length=500, blank=True)
    vop_result = models.CharField(max_length=4, blank=True)
    vop_name = models.CharField(max_length=140, blank=True)
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, related_name="batch_line", null=True, blank=True
    )

    class Meta:
        ordering = ("batch", "line_no")
        constraints = [
            models.UniqueConstraint(fields=["batch", "line_no"], name="paybatchline_one_per_no"),
            models.CheckConstraint(condition=models.Q(status__in=LineStatus.values), name="paybatchline_status_known"),
        ]

    def __str__(self) -> str:
        return f"line {self.line_no} of batch #{self.batch_id}: {self.status}"

    @property
    def idempotency_key(self) -> str:
        """The payment's key: one payment per line of a batch, however often execution runs."""
        return f"batch:{self.batch_id}:{self.line_no}"
