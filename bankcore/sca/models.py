"""Strong customer authentication challenges, each bound to exactly what is being approved."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Challenge(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the code"
        APPROVED = "approved", "Approved"
        USED = "used", "Approved and used"
        INVALIDATED = "invalidated", "Invalidated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sca_challenges")
    action = models.CharField(max_length=60)
    # What the user is shown and approves (amount, currency, payee...), and its SHA-256 over
    # canonical JSON of {"action", "details"}: the dynamic link of PSD2 RTS article 5.
    details = models.JSONField()
    details_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "-created_at"], name="sca_user_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="sca_expires_after"),
            models.CheckConstraint(
                condition=models.Q(status__in=["approved", "used"], approved_at__isnull=False)
                | (~models.Q(status__in=["approved", "used"]) & models.Q(approved_at__isnull=True)),
                name="sca_approved_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status="used", used_at__isnull=False)
                | (~models.Q(status="used") & models.Q(used_at__isnull=True)),
                name="sca_used_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} ({self.status})"
