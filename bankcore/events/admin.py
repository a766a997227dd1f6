from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.events import services
from bankcore.events.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """Where events stand; dead ones (handlers failed every attempt) are filtered and replayed here."""

    list_display = ("id", "name", "status", "attempts", "next_attempt_at", "created_at", "processed_at")
    list_filter = ("status", "name")
    search_fields = ("event_id", "name")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["replay"]

    def has_replay_permission(self, request: HttpRequest) -> bool:
        # Replaying changes the event's state: the same right as changing it, which no role
        # below administrator holds.
        return request.user.has_perm("events.change_outboxevent")

    @admin.action(description="Replay the selected dead events", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        replayed = services.outbox_events_replay(event_ids=selected, now=timezone.now())
        if replayed:
            self.message_user(request, f"{replayed} dead event(s) sent back to the relay.", messages.SUCCESS)
        if replayed < len(selected):
            self.message_user(
                request,
                f"{len(selected) - replayed} selected event(s) were not dead and were left as they were.",
                messages.WARNING,
            )
