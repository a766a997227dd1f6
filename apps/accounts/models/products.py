"""Products as data: what an account may be, edited by administrators with history.

Rates live in their own dated table (``ProductRate``): a change is a new row from a date, so the
rates that applied on any past day stay as they were. Amounts are minor units of the account's
own currency (every supported currency has two decimals; see docs/ACCOUNTS.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

# The last day of every month, whatever its length (any day past a month's end means its last).
LAST_DAY_OF_MONTH = 31


class ProductKind(models.TextChoices):
    CURRENT = "current", "Current account"
    SAVINGS = "savings", "Savings account"
    BUSINESS_CURRENT = "business_current", "Business current account"


class Product(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    # ISO 4217 codes an account of this product may be opened in, e.g. ["EUR", "GBP"].
    currencies = models.JSONField(default=list)
    overdraft_allowed = models.BooleanField(default=False)
    max_accounts_per_customer = models.PositiveSmallIntegerField(default=1)
    # The lowest KYC tier (apps.kyc: 0 registered, 1 basic, 2 verified) that may hold one.
    min_kyc_tier = models.PositiveSmallIntegerField(default=1)
    monthly_fee_minor = models.BigIntegerField(default=0)
    # The fee is waived for a month whose average end-of-day balance is at least this; null: never.
    fee_waiver_min_average_balance_minor = models.BigIntegerField(null=True, blank=True)
    # Day of the month interest and fees are posted; 31 means the last day of every month.
    interest_posting_day = models.PositiveSmallIntegerField(default=LAST_DAY_OF_MONTH)
    # Customers may open new accounts of it (existing ones stay when it is withdrawn).
    is_open_for_new_accounts = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProductKind.values), name="accounts_product_kind_valid"),
            models.CheckConstraint(condition=Q(monthly_fee_minor__gte=0), name="accounts_product_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(max_accounts_per_customer__gte=1), name="accounts_product_max_accounts_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(interest_posting_day__gte=1) & Q(interest_posting_day__lte=31),
                name="accounts_product_posting_day_range",
            ),
            models.CheckConstraint(condition=Q(min_kyc_tier__lte=2), name="accounts_product_tier_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ProductRate(models.Model):
    """The rates of a product from ``effective_from`` (in BANK_TIME_ZONE) until the next row's date.

    Credit interest is tiered by balance (``tiers``); ``debit_annual_rate`` applies to the part
    of the balance below zero within an arranged overdraft. Rates are decimal fractions a year
    (``0.025`` is 2.5 %).
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="rates")
    effective_from = models.DateField()
    debit_annual_rate = models.DecimalField(max_digits=9, decimal_places=6, default=0)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "effective_from"], name="accounts_rate_one_per_day"),
            models.CheckConstraint(
                condition=Q(debit_annual_rate__gte=0) & Q(debit_annual_rate__lt=1), name="accounts_rate_debit_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} from {self.effective_from}"


class ProductRateTier(models.Model):
    """Credit interest at ``annual_rate`` on the part of the balance from ``from_balance_minor`` up
    to the next tier's start (marginal tiers, as a savings account's leaflet states them)."""

    rate = models.ForeignKey(ProductRate, on_delete=models.CASCADE, related_name="tiers")
    from_balance_minor = models.BigIntegerField(default=0)
    annual_rate = models.DecimalField(max_digits=9, decimal_places=6)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rate", "from_balance_minor"]
        constraints = [
            models.UniqueConstraint(fields=["rate", "from_balance_minor"], name="accounts_rate_tier_unique"),
            models.CheckConstraint(condition=Q(from_balance_minor__gte=0), name="accounts_rate_tier_from_gte_0"),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0) & Q(annual_rate__lt=1), name="accounts_rate_tier_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annual_rate} from {self.from_balance_minor}"
