from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """One published event and where its delivery stands.

    ``pending`` events are due once ``next_attempt_at`` has passed (empty: at once). A relay takes
    one by setting ``locked_until`` and ``locked_by`` in a short transaction of its own, so no
    row lock is held while handlers run; a relay that dies only delays the event until the
    lease ends. After ``attempts`` reaches the cap the event is ``dead`` until someone replays it.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        DEAD = "dead"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.UUIDField(null=True, blank=True, help_text="The relay run holding the lease.")
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(status="pending")),
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
