"""Standing orders: a payment repeated weekly or monthly, each instance made on its day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class StandingOrderFrequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    MONTHLY = "monthly", "Every month"


class StandingOrderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    FINISHED = "finished", "Finished"


class StandingOrder(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_account_id = models.BigIntegerField()
    beneficiary = models.ForeignKey("payments.Beneficiary", on_delete=models.PROTECT, related_name="standing_orders")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=140, blank=True)
    frequency = models.CharField(max_length=8, choices=StandingOrderFrequency.choices)
    # The day asked for: a weekday is taken from start_date; for monthly orders the day of the
    # month (29 to 31 fall on the month's last day where the month is shorter).
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)  # how many instances in all
    made_count = models.PositiveIntegerField(default=0)
    # The next scheduled day (before business-day adjustment) and its sequence number.
    next_date = models.DateField(null=True, blank=True)
    next_seq = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=StandingOrderStatus.choices, default=StandingOrderStatus.ACTIVE)
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "next_date"], name="so_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="so_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="so_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(count__isnull=True) | models.Q(count__gte=1), name="so_count_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"standing order #{self.pk} {self.frequency} {self.status}"
