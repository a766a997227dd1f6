from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """One message in a customer's inbox; only ``read_at`` and ``emailed_at`` ever change."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the preferences asked for an e-mail; emailed_at once the backend accepted it.
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["customer"], name="notification_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class Preference(models.Model):
    """Whether a customer gets e-mail for a kind; no row means the kind's default."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    email = models.BooleanField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}: e-mail {'on' if self.email else 'off'}"
