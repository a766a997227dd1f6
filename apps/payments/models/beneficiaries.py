"""A customer's saved payees."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Beneficiary(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DELETED = "deleted", "Deleted"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=140)
    iban = models.CharField(max_length=34)  # compact, upper case
    bic = models.CharField(max_length=11, blank=True)  # derived from the IBAN where known
    nickname = models.CharField(max_length=60, blank=True)
    # Marked by the customer with SCA: later payments to it are exempt (PSD2 RTS art. 13).
    trusted = models.BooleanField(default=False)
    trusted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    screening_subject_id = models.BigIntegerField(null=True, blank=True)  # apps.fraud's subject
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)  # the approval of its last change
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "iban"],
                condition=models.Q(status="active"),
                name="benef_one_active_per_iban",
            ),
            models.CheckConstraint(
                condition=models.Q(trusted=False) | models.Q(trusted_at__isnull=False), name="benef_trusted_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nickname or self.name} ({self.iban})"
