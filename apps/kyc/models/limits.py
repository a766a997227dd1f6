"""KYC data: tiers and their limits (as data, audited), each customer's status, limit usage.

Amounts of limits and usage are EUR minor units: a limit counts every currency at the bank's
reference rates (``bankcore.fx``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class RiskRating(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class LimitKind(models.TextChoices):
    """What a limit counts. Flow kinds are counted per transaction, day and month; a stock kind
    caps what is held at once."""

    PAYMENT_OUT = "payment_out", "Payments out (remote)"
    WALLET_OUT = "wallet_out", "Wallet transfers out"
    CASH_OUT = "cash_out", "Cash-out and redemption"
    # Every outgoing flow together (AMLD art. 12: 150 EUR of payments a month in all).
    ANY_OUT = "any_out", "All money out together"
    WALLET_BALANCE = "wallet_balance", "Wallet balance held"


# A flow of these kinds also counts towards ANY_OUT.
OUTFLOW_KINDS = frozenset({LimitKind.PAYMENT_OUT, LimitKind.WALLET_OUT, LimitKind.CASH_OUT})
# Checked against the balance the caller will hold after the movement; never recorded here
# (the ledger is the one truth of what is held).
STOCK_KINDS = frozenset({LimitKind.WALLET_BALANCE})


class Tier(models.Model):
    """A level of knowing the customer: 0 registered, 1 basic, 2 verified."""

    level = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    moves_money = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level"]
        constraints = [models.CheckConstraint(condition=Q(level__lte=2), name="kyc_tier_level_range")]

    def __str__(self) -> str:
        return f"Tier {self.level}: {self.name}"


class Limit(models.Model):
    """The ceilings of one kind for a tier (and, for tier 2, a risk rating); empty means no ceiling.

    ``risk_rating`` blank applies to every rating of the tier that has no row of its own. A
    (tier, kind) with no row at all is not allowed: limits fail closed.
    """

    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, to_field="level", related_name="limits")
    risk_rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    kind = models.CharField(max_length=20, choices=LimitKind.choices)
    per_transaction_minor = models.BigIntegerField(null=True, blank=True, help_text="EUR cents per transaction")
    per_day_minor = models.BigIntegerField(null=True, blank=True, help_text="EUR cents per day (bank time zone)")
    per_month_minor = models.BigIntegerField(null=True, blank=True, help_text="EUR cents per calendar month")
    held_minor = models.BigIntegerField(null=True, blank=True, help_text="EUR cents held at most (stock kinds)")
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier", "risk_rating", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "risk_rating", "kind"], name="kyc_limit_unique"),
            models.CheckConstraint(
                condition=(
                    (Q(per_transaction_minor__isnull=True) | Q(per_transaction_minor__gte=0))
                    & (Q(per_day_minor__isnull=True) | Q(per_day_minor__gte=0))
                    & (Q(per_month_minor__isnull=True) | Q(per_month_minor__gte=0))
                    & (Q(held_minor__isnull=True) | Q(held_minor__gte=0))
                ),
                name="kyc_limit_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"tier {self.tier_id} {self.risk_rating or 'any rating'} {self.kind}"


class CustomerKyc(models.Model):
    """A customer's KYC standing; its row is also the lock that serialises their limit usage."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, to_field="level", related_name="+", default=0)
    restricted = models.BooleanField(default=False)
    restricted_reason = models.CharField(max_length=200, blank=True)
    risk_rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "customer KYC status"
        verbose_name_plural = "customer KYC statuses"

    def __str__(self) -> str:
        return f"customer {self.customer_id}: tier {self.tier_id}"


class UsageBucket(models.Model):
    """Running total of one kind for one customer over one day or month (bank time zone).

    Kept incrementally by record and release, so a check reads two rows, never the history.
    """

    class Period(models.TextChoices):
        DAY = "day"
        MONTH = "month"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LimitKind.choices)
    period = models.CharField(max_length=5, choices=Period.choices)
    starts_on = models.DateField()
    used_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "period", "starts_on"], name="kyc_usage_bucket_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.period} {self.starts_on}: {self.used_minor}"


class UsageRecord(models.Model):
    """One movement counted against the limits, kept so that its release undoes exactly it."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LimitKind.choices)
    ref = models.CharField(max_length=80, help_text="the movement, prefixed by its context: payment:12")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    eur_minor = models.BigIntegerField()
    rate = models.ForeignKey("fx.Rate", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    day = models.DateField(help_text="booking day in the bank's time zone")
    recorded_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "ref"], name="kyc_usage_record_unique"),
            models.CheckConstraint(condition=Q(eur_minor__gte=0), name="kyc_usage_record_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.kind} {self.eur_minor}"
