"""Interest and fees: one accrual row per account and bank day, one posting per account and
posting day, one fee charge per account and posting day, and the bank's own ledger accounts
they post against. Rows are written once and never edited, except an accrual's link to the
posting that took it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models.accounts import Account

# Accrued amounts (DecimalField 32, 12) are minor units to 12 decimal places, a day's interest at
# full precision; 32 digits hold any amount the ledger's 64-bit balances can reach.


class BankLedgerAccount(models.Model):
    """The bank's internal ledger account for one purpose and currency, opened once on first use."""

    class Purpose(models.TextChoices):
        INTEREST_EXPENSE = "interest_expense", "Interest expense"
        INTEREST_INCOME = "interest_income", "Interest income"
        FEE_INCOME = "fee_income", "Fee income"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    currency = models.CharField(max_length=3)
    ledger_account = models.OneToOneField("ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "currency"], name="accounts_bank_ledger_one_per_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.currency}"


class InterestDay(models.Model):
    """A bank day whose accrual has been made for every account open on it (the run's progress)."""

    day = models.DateField(unique=True)
    accounts = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"interest accrued for {self.day}"


class InterestPosting(models.Model):
    """What one posting day put on an account: whole minor units posted, the sub-cent rest carried."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="interest_postings")
    posting_date = models.DateField()
    # The accrual days this posting took (inclusive); equal dates and no rows when none were due.
    accrued_from = models.DateField(null=True, blank=True)
    accrued_to = models.DateField(null=True, blank=True)
    credit_minor = models.BigIntegerField(default=0)
    debit_minor = models.BigIntegerField(default=0)
    credit_carry = models.DecimalField(max_digits=32, decimal_places=12, default=0)
    debit_carry = models.DecimalField(max_digits=32, decimal_places=12, default=0)
    credit_entry_id = models.BigIntegerField(null=True, blank=True)
    debit_entry_id = models.BigIntegerField(null=True, blank=True)
    # Why a leg could not be posted (the ledger's refusal code, e.g. a blocked account); its
    # amount stays in that leg's carry and is posted at the next posting day.
    credit_refused = models.CharField(max_length=40, blank=True)
    debit_refused = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["account", "-posting_date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "posting_date"], name="accounts_interest_post_once"),
            models.CheckConstraint(
                condition=Q(credit_minor__gte=0) & Q(debit_minor__gte=0), name="accounts_interest_post_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"interest {self.account_id} {self.posting_date}: +{self.credit_minor} -{self.debit_minor}"


class InterestAccrual(models.Model):
    """One account's interest for one bank day on its end-of-day balance, in minor units."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="interest_accruals")
    day = models.DateField()
    balance_minor = models.BigIntegerField()  # the end-of-day balance it was computed on
    credit = models.DecimalField(max_digits=32, decimal_places=12, default=0)  # owed to the customer
    debit = models.DecimalField(max_digits=32, decimal_places=12, default=0)  # owed by the customer
    posting = models.ForeignKey(
        InterestPosting, on_delete=models.PROTECT, null=True, blank=True, related_name="accruals"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="accounts_interest_accrual_once"),
            models.CheckConstraint(
                condition=Q(credit__gte=0) & Q(debit__gte=0), name="accounts_interest_accrual_gte_0"
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "day"], name="accounts_accrual_unposted", condition=Q(posting__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"accrual {self.account_id} {self.day}"


class FeeCharge(models.Model):
    """A product's monthly fee for one account and posting day: charged, waived or refused."""

    class Outcome(models.TextChoices):
        CHARGED = "charged", "Charged"
        WAIVED = "waived", "Waived"
        REFUSED = "refused", "Refused by the ledger"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="fee_charges")
    posting_date = models.DateField()
    period_from = models.DateField()
    amount_minor = models.BigIntegerField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    average_balance_minor = models.BigIntegerField(null=True, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["account", "-posting_date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "posting_date"], name="accounts_fee_once_per_period"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="accounts_fee_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"fee {self.account_id} {self.posting_date} {self.outcome}"
