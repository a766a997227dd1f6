from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(processed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.event_id}"


class HandlerRun(models.Model):
    """Proof that ``handler`` has handled ``event_id``: the relay never runs it again."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="handler_run_once")]

    def __str__(self) -> str:
        return f"{self.handler} handled {self.event_id}"
