"""Customers' accounts: one ledger account each, an IBAN from the bank's number sequence, a status.

The balance is never stored here: the ledger account holds it (``ledger_account_id``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.models.products import Product


class AccountStatus(models.TextChoices):
    OPEN = "open", "Open"
    # Receives, cannot send: the ledger account is credit-only.
    DEBIT_BLOCKED = "debit_blocked", "Debits blocked"
    # Neither: the ledger account is frozen (incoming payments are returned AC06).
    BLOCKED = "blocked", "Blocked"
    # For good (incoming payments are returned AC04).
    CLOSED = "closed", "Closed"


class Account(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bank_accounts")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="accounts")
    currency = models.CharField(max_length=3)
    # The bank's account number (from its sequence); the IBAN's BBAN carries it.
    number = models.BigIntegerField(unique=True)
    iban = models.CharField(max_length=34, unique=True)
    bic = models.CharField(max_length=11)
    ledger_account = models.OneToOneField("ledger.LedgerAccount", on_delete=models.PROTECT, related_name="bank_account")
    status = models.CharField(max_length=14, choices=AccountStatus.choices, default=AccountStatus.OPEN)
    # Arranged overdraft, set by staff through maker-checker; the ledger account's policy enforces it.
    overdraft_limit_minor = models.BigIntegerField(default=0)
    name = models.CharField(max_length=120)
    nickname = models.CharField(max_length=60, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["customer_id", "opened_at", "id"]
        permissions = [
            ("block_account", "Can block and unblock accounts (with a reason)"),
            ("manage_account", "Can ask for an account's closing or overdraft (maker-checker)"),
        ]
        indexes = [models.Index(fields=["customer", "product"], name="accounts_account_cust_prod")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccountStatus.values), name="accounts_account_status_valid"),
            models.CheckConstraint(condition=Q(overdraft_limit_minor__gte=0), name="accounts_account_overdraft_gte_0"),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="accounts_account_closed_at_iff_closed",
            ),
            models.CheckConstraint(condition=Q(number__gt=0), name="accounts_account_number_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.iban} ({self.currency})"


class AccountStatusChange(models.Model):
    """Who changed an account's status, from what to what, when and why (never edited)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=14, choices=AccountStatus.choices)
    to_status = models.CharField(max_length=14, choices=AccountStatus.choices)
    reason = models.TextField()
    # Null: the bank itself (an event handler, a system task).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The maker-checker request that authorised it, when one did.
    approval_request_id = models.BigIntegerField(null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="accounts_status_change_reason")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_status} -> {self.to_status}"


class AccountNumberCounter(models.Model):
    """Where the next account number comes from when the database has no sequence (SQLite).

    One row, locked in the opening transaction; PostgreSQL uses ``accounts_account_number_seq``.
    """

    next_number = models.BigIntegerField()

    def __str__(self) -> str:
        return f"next {self.next_number}"
