from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first answer to a POST with a given Idempotency-Key, replayed to every retry."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    owner = models.CharField(max_length=100, help_text="Who sent the key: a user or a partner application.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once_per_owner")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key} ({self.state})"


class PartnerGrant(models.Model):
    """What a partner (an OAuth2 client-credentials application) may ever ask for."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="partner_grant"
    )
    scopes = models.CharField(max_length=500, help_text="Space-separated scopes this partner may request.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.application.name}: {self.scopes}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
