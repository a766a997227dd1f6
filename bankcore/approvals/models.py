"""Maker-checker requests: who asked for what (payload and its hash), why, and who decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ApprovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    action = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    # SHA-256 of the canonical JSON of ``payload``: what the checker approves is exactly this.
    payload_hash = models.CharField(max_length=64)
    reason = models.TextField()
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-requested_at", "-id")
        permissions = [("decide_approvalrequest", "Can approve or reject requests made by others")]
        constraints = [
            # The database refuses a second pending request for the same action and payload.
            models.UniqueConstraint(
                fields=["action", "payload_hash"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_payload",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", checker__isnull=True, decided_at__isnull=True)
                | (
                    models.Q(status__in=["approved", "rejected"], checker__isnull=False, decided_at__isnull=False)
                    & ~models.Q(checker=models.F("maker"))
                ),
                name="approval_decided_by_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} ({self.status})"
