"""Settlement over the clearing files (DESIGN.md §5): cycles, files, submissions, what came in.

Exactly once rests on these rows: a cycle decides, in one transaction, which payments go into
which file and under which MsgId (``ClearingFile`` in status ``decided`` plus one
``PaymentSubmission`` per payment, unique per payment); only then is the file written. A run
that dies in between finds the decided file and writes it; a payment can never get a second
submission, so never a second MsgId.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = [
    "ClearingAccount",
    "ClearingException",
    "ClearingFile",
    "Direction",
    "FileStatus",
    "IncomingCredit",
    "IncomingStatus",
    "PaymentSubmission",
    "SettlementCycle",
]


class Direction(models.TextChoices):
    OUT = "out", "Bank to clearing"
    IN = "in", "Clearing to bank"


class FileStatus(models.TextChoices):
    DECIDED = "decided", "Decided, not yet written"  # outgoing: its MsgId and payments are fixed
    WRITTEN = "written", "Written to the outbox"
    PROCESSED = "processed", "Taken"  # incoming: applied
    REJECTED = "rejected", "Rejected"  # incoming: kept aside with its error


class SettlementCycle(models.Model):
    """One run of ``settlement_cycle``: the moment it ran for and the settlement day it chose."""

    at = models.DateTimeField()
    settlement_date = models.DateField()
    created_at = models.DateTimeField()
    payment_count = models.PositiveIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"cycle #{self.pk} for {self.settlement_date}"


class ClearingFile(models.Model):
    """A file of the clearing boundary, in or out, known by its own ``GrpHdr/MsgId``."""

    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=20)  # pacs.008.001.09, pacs.002.001.11, pacs.004.001.10, or "unknown"
    msg_id = models.CharField(max_length=35, blank=True)  # blank for an incoming file that could not be read
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=FileStatus.choices)
    cycle = models.ForeignKey(SettlementCycle, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    instant = models.BooleanField(default=False)
    settlement_date = models.DateField(null=True, blank=True)
    tx_count = models.PositiveIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    # The file's own creation moment (GrpHdr/CreDtTm): fixed when decided, so writing it again
    # after a crash gives the same bytes.
    created_at = models.DateTimeField()
    written_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)  # why an incoming file was rejected
    duplicates = models.PositiveIntegerField(default=0)  # later files that came with the same MsgId

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "msg_id"], condition=~Q(msg_id=""), name="clearing_file_msg_id_once"
            ),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="clearing_file_direction"),
            models.CheckConstraint(condition=Q(status__in=FileStatus.values), name="clearing_file_status"),
        ]
        indexes = [models.Index(fields=["direction", "status"], name="clearing_file_todo")]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.msg_id or self.name}"


class PaymentSubmission(models.Model):
    """A payment's place in an outgoing file: at most one per payment, ever."""

    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="submission")
    file = models.ForeignKey(ClearingFile, on_delete=models.PROTECT, related_name="submissions")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"payment {self.payment_id} in {self.file_id}"


class ClearingException(models.Model):
    """A report the bank could not simply apply: late, or contradicting a final state. Staff decide."""

    class Kind(models.TextChoices):
        CONTRADICTION = "contradiction", "Contradicts a final state"
        LATE_ACCEPTANCE = "late_acceptance", "Acceptance after a rejection"
        RETURN_UNSETTLED = "return_unsettled", "Return of a payment that was not settled"
        RETURN_UNBOOKABLE = "return_unbookable", "Returned money could not reach the account (held in suspense)"
        SETTLE_FAILED = "settle_failed", "Settled by the clearing, but the hold could not be captured"
        NO_STATUS_REPORT = "no_status_report", "No status report: submitted, never answered"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.ForeignKey(ClearingFile, on_delete=models.PROTECT, related_name="exceptions")
    reported_status = models.CharField(max_length=4)
    reason_code = models.CharField(max_length=4, blank=True)
    detail = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=64, blank=True)
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # The same report line read twice (a duplicate file is refused earlier, this is the floor).
            models.UniqueConstraint(fields=["file", "payment", "reported_status"], name="clearing_exception_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} payment {self.payment_id}"


class IncomingStatus(models.TextChoices):
    BOOKED = "booked", "Credited to the account"
    SUSPENSE = "suspense", "In suspense (unknown IBAN)"
    RESOLVED = "resolved", "Credited from suspense"
    RETURNED = "returned", "Returned to the payer's bank"


class IncomingCredit(models.Model):
    """A credit transfer another bank sent to an IBAN of this bank (incoming pacs.008)."""

    file = models.ForeignKey(ClearingFile, on_delete=models.PROTECT, related_name="incoming")
    msg_id = models.CharField(max_length=35)
    tx_id = models.CharField(max_length=35)
    end_to_end_id = models.CharField(max_length=35)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    settlement_date = models.DateField()
    debtor_name = models.CharField(max_length=140)
    debtor_iban = models.CharField(max_length=34, blank=True)
    debtor_bic = models.CharField(max_length=11, blank=True)
    creditor_name = models.CharField(max_length=140, blank=True)
    creditor_iban = models.CharField(max_length=34)
    reference = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=10, choices=IncomingStatus.choices)
    account_id = models.BigIntegerField(null=True, blank=True)  # apps.accounts id, once known
    customer_id = models.BigIntegerField(null=True, blank=True)
    entry = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    return_file = models.ForeignKey(
        ClearingFile, on_delete=models.PROTECT, null=True, blank=True, related_name="returned_credits"
    )
    reason_code = models.CharField(max_length=4, blank=True)  # why the bank returned it
    received_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["msg_id", "tx_id"], name="incoming_credit_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="incoming_credit_positive"),
            models.CheckConstraint(condition=Q(status__in=IncomingStatus.values), name="incoming_credit_status"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="incoming_credit_queue")]

    def __str__(self) -> str:
        return f"incoming {self.tx_id} {self.status}"


class ClearingAccount(models.Model):
    """The bank's own ledger accounts for clearing, opened on first use: settlement and suspense."""

    class Code(models.TextChoices):
        SETTLEMENT = "settlement", "SEPA settlement (position at the clearing house)"
        SUSPENSE = "suspense", "Incoming payments in suspense"

    code = models.CharField(max_length=20, choices=Code.choices, unique=True)
    ledger_account = models.OneToOneField("ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.code
