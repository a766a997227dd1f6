"""Ledger data: accounts, entries, postings and holds. No business logic lives here.

Sign conventions (read this before touching any amount):
- ``Posting.amount_minor`` is signed the accounting way: a debit is positive, a credit negative, so
  the postings of an entry sum to zero per currency.
- ``LedgerAccount.balance_minor`` and ``Posting.balance_after_minor`` are from the holder's side:
  for a credit-normal account (a customer's money: a liability of the bank) a credit raises it;
  for a debit-normal account (an asset such as cash at a correspondent) a debit raises it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        INTERNAL = "internal", "Internal"

    class NormalSide(models.TextChoices):
        DEBIT = "debit", "Debit"
        CREDIT = "credit", "Credit"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FROZEN = "frozen", "Frozen"
        # Takes credits, refuses debits and new holds (a customer account whose debits are
        # blocked: money may come in, none may go out). Captures of holds made before stay possible.
        CREDIT_ONLY = "credit_only", "Credit only"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    normal_side = models.CharField(max_length=6, choices=NormalSide.choices, default=NormalSide.CREDIT)
    allow_negative = models.BooleanField(default=False)
    overdraft_limit_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.OPEN)
    balance_minor = models.BigIntegerField(default=0)
    # Sum of active holds: available = balance - held, read in O(1).
    held_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Balances change on every posting and are proven by postings; history records who froze,
    # closed or re-limited an account, not each balance move.
    history = HistoricalRecords(excluded_fields=["balance_minor", "held_minor"])

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(overdraft_limit_minor__gte=0), name="ledger_account_overdraft_gte_0"),
            models.CheckConstraint(condition=Q(held_minor__gte=0), name="ledger_account_held_gte_0"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "frozen", "credit_only", "closed"]),
                name="ledger_account_status_valid",
            ),
            models.CheckConstraint(condition=Q(normal_side__in=["debit", "credit"]), name="ledger_account_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency}) #{self.pk}"


class Entry(models.Model):
    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transfer"
        JOURNAL = "journal", "Journal"
        HOLD_CAPTURE = "hold_capture", "Hold capture"
        REVERSAL = "reversal", "Reversal"

    idempotency_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.JOURNAL)
    description = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Hash of what was asked (legs, kind, description): a replay with the same key must match it.
    fingerprint = models.CharField(max_length=64)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "entries"
        permissions = [("reverse_entry", "Can reverse entries (with a reason)")]
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL that would add a second index
            # (for LIKE) to every entry written, and keys are only ever looked up whole.
            models.UniqueConstraint(fields=["idempotency_key"], name="ledger_entry_key_unique"),
            # An entry is reversed at most once. Partial: most entries reverse nothing, and a
            # NULL need not be written into the index.
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="ledger_entry_reversed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"entry #{self.pk} {self.idempotency_key}"


class Posting(models.Model):
    # No foreign key (four checks per transfer at commit): the postings guard (sql/) refuses a
    # posting naming no entry when it is inserted, and entries are never updated or deleted.
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings", db_constraint=False)
    # Nor to its account: the guard checks and locks the accounts of every posting INSERT in one
    # statement, and a trigger keeps an account with postings from being deleted or renumbered.
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings", db_index=False, db_constraint=False
    )
    amount_minor = models.BigIntegerField()  # debit positive, credit negative
    currency = models.CharField(max_length=3)
    balance_after_minor = models.BigIntegerField()  # holder's side, after this posting
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Statements: newest first by id (per account, id order is posting order: rows are
            # inserted while the account is locked).
            models.Index(fields=["account", "-id"], name="ledger_posting_account_id"),
            # Balance as of a past moment.
            models.Index(fields=["account", "created_at"], name="ledger_posting_account_at"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(amount_minor=0), name="ledger_posting_nonzero")]

    def __str__(self) -> str:
        return f"posting #{self.pk} {self.amount_minor} {self.currency} on {self.account_id}"


class Hold(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CAPTURED = "captured", "Captured"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="holds")
    idempotency_key = models.CharField(max_length=200, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    captured_minor = models.BigIntegerField(default=0)
    capture_entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="captured_holds"
    )
    description = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["expires_at"], name="ledger_hold_active_expiry", condition=Q(status="active")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="ledger_hold_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(captured_minor__gte=0) & Q(captured_minor__lte=models.F("amount_minor")),
                name="ledger_hold_captured_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"hold #{self.pk} {self.amount_minor} {self.currency} ({self.status})"
