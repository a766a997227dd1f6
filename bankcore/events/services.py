from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

from bankcore.events.models import HandlerRun, OutboxEvent
from bankcore.events.registry import handlers_for

log = logging.getLogger(__name__)


def publish(name: str, payload: dict[str, Any]) -> str:
    """Record event ``name`` in the current transaction; returns its event id.

    Payloads carry IDs and plain values only (JSON), never model instances.
    """
    event = OutboxEvent.objects.create(name=name, payload=payload)
    return str(event.event_id)


def outbox_relay(*, now: datetime, batch_size: int = 100) -> int:
    """Dispatch up to ``batch_size`` pending events; returns how many were completed.

    Rows are claimed with FOR UPDATE SKIP LOCKED so several relays never hand out the same
    event at once. A failing handler leaves its event pending (with the error) for the next run;
    the handlers that did succeed are not run again.
    """
    done = 0
    with transaction.atomic():
        claimed = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True)
            .order_by("id")[:batch_size]
        )
        for event in claimed:
            if _dispatch(event):
                event.processed_at = now
                done += 1
            event.attempts += 1
            event.save(update_fields=["processed_at", "attempts", "last_error"])
    return done


def _dispatch(event: OutboxEvent) -> bool:
    event_id = str(event.event_id)
    already = set(HandlerRun.objects.filter(event_id=event.event_id).values_list("handler", flat=True))
    ok = True
    for key, handler in handlers_for(event.name).items():
        if key in already:
            continue
        try:
            with transaction.atomic():
                handler(event_id, event.payload)
                HandlerRun.objects.create(event_id=event.event_id, handler=key)
        except Exception as exc:  # one handler's failure must not lose the others' work
            log.exception("event handler failed", extra={"event": event.name, "handler": key})
            event.last_error = f"{key}: {exc!r}"[:2000]
            ok = False
    if ok:
        event.last_error = ""
    return ok
