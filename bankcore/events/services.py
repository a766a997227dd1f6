"""The outbox: publish in the caller's transaction, relay afterwards, one event at a time.

A relay never holds a row lock while a handler runs. It takes an event by writing a lease
(``locked_until``, ``locked_by``) in a transaction of its own that commits at once; then each
handler runs in its own transaction that first inserts the handler's ``HandlerRun`` row, so its
effect and the proof that it happened commit together or not at all. A second relay that reaches
the same handler (the first one's lease ran out while it was still working) waits on that unique
row and then skips the handler: a handler never runs twice for one event, however slow it is.

A failing handler sends its event back to ``pending`` with an exponential backoff; after
``OUTBOX_MAX_ATTEMPTS`` the event is ``dead`` and waits for someone to replay it
(``outbox_events_replay``, an admin action). Handlers that succeeded are never run again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from bankcore import bulk
from bankcore.events.models import HandlerRun, OutboxEvent
from bankcore.events.registry import Handler, handlers_for

log = logging.getLogger(__name__)

_DEFAULTS: dict[str, int] = {
    # Ten attempts with delays of 10 s, 20 s, 40 s … capped at one hour: about 85 minutes of a
    # downstream outage are absorbed before an event needs a person.
    "OUTBOX_MAX_ATTEMPTS": 10,
    "OUTBOX_RETRY_BASE_SECONDS": 10,
    "OUTBOX_RETRY_CAP_SECONDS": 3600,
    # Longer than any handler should take (webhook calls time out well before): an event whose
    # relay died is taken again after this.
    "OUTBOX_LEASE_SECONDS": 300,
}


def conf(name: str) -> int:
    return int(getattr(settings, name, _DEFAULTS[name]))


def publish(name: str, payload: dict[str, Any]) -> str:
    """Record event ``name`` in the current transaction; returns its event id.

    Payloads carry IDs and plain values only (JSON), never model instances.
    """
    event = OutboxEvent.objects.create(name=name, payload=payload)
    return str(event.event_id)


def publish_many(events: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """``publish`` for many events at once (a bulk payout's chunk): one insert, relayed one by one."""
    rows = [OutboxEvent(name=name, payload=payload) for name, payload in events]
    bulk.rows_append(OutboxEvent, rows)
    return [str(row.event_id) for row in rows]


def retry_delay(*, attempts: int) -> timedelta:
    """How long an event waits after its ``attempts``-th failed attempt."""
    seconds = conf("OUTBOX_RETRY_BASE_SECONDS") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, conf("OUTBOX_RETRY_CAP_SECONDS")))


def outbox_relay(*, now: datetime, batch_size: int = 100) -> int:
    """Deliver up to ``batch_size`` due events; returns how many were completed.

    ``now`` is the moment the run starts and stamps what it completes (``processed_at``). Leases
    and retry times are measured on a clock that starts at ``now`` and advances with the real
    time that passes, so an event taken late in a long run gets a full lease.
    """
    run = uuid.uuid4()
    started = time.monotonic()
    done = 0
    for _ in range(batch_size):
        moment = now + timedelta(seconds=time.monotonic() - started)
        event = _claim(now=moment, run=run)
        if event is None:
            break
        done += _deliver(event, run=run, now=now, moment=moment)
    return done


def _claim(*, now: datetime, run: uuid.UUID) -> OutboxEvent | None:
    """Lease the oldest due event nobody holds, and commit the lease at once."""
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxEvent.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .order_by("id")
            .first()
        )
        if event is None:
            return None
        event.locked_until = now + timedelta(seconds=conf("OUTBOX_LEASE_SECONDS"))
        event.locked_by = run
        event.save(update_fields=["locked_until", "locked_by"])
    return event


def _deliver(event: OutboxEvent, *, run: uuid.UUID, now: datetime, moment: datetime) -> int:
    """Run the event's handlers that have not run yet, then record the outcome; 1 when done."""
    already = set(HandlerRun.objects.filter(event_id=event.event_id).values_list("handler", flat=True))
    errors = [
        error
        for key, handler in handlers_for(event.name).items()
        if key not in already and (error := _run_once(event, key, handler)) is not None
    ]
    attempts = event.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "locked_until": None, "locked_by": None}
    if not errors:
        fields |= {"status": OutboxEvent.Status.DONE, "processed_at": now, "next_attempt_at": None, "last_error": ""}
    elif attempts >= conf("OUTBOX_MAX_ATTEMPTS"):
        fields |= {"status": OutboxEvent.Status.DEAD, "next_attempt_at": None, "last_error": "\n".join(errors)}
        log.error("event is dead after %s attempts", attempts, extra={"event": event.name, "id": event.pk})
    else:
        fields |= {"next_attempt_at": moment + retry_delay(attempts=attempts), "last_error": "\n".join(errors)}
    # Only the run that holds the lease records the outcome: one whose lease ran out and was
    # taken over leaves it to the newer run (its handlers' work is kept either way).
    kept = OutboxEvent.objects.filter(pk=event.pk, locked_by=run).update(**fields)
    return int(kept == 1 and not errors)


def _run_once(event: OutboxEvent, key: str, handler: Handler) -> str | None:
    """Run ``handler`` for ``event`` unless it already ran; returns the error, if it failed."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    HandlerRun.objects.create(event_id=event.event_id, handler=key)
            except IntegrityError:
                return None  # another relay ran it (we waited for its commit to learn so)
            handler(str(event.event_id), event.payload)
    except Exception as exc:  # one handler's failure must not lose the others' work
        log.exception("event handler failed", extra={"event": event.name, "handler": key})
        return f"{key}: {exc!r}"[:2000]
    return None


def outbox_events_replay(*, event_ids: Iterable[int], now: datetime) -> int:
    """Send dead events back to the relay with a fresh set of attempts; returns how many.

    Events that are not dead are left alone: a pending one is already due to be retried and a
    done one has nothing left to run.
    """
    return OutboxEvent.objects.filter(pk__in=list(event_ids), status=OutboxEvent.Status.DEAD).update(
        status=OutboxEvent.Status.PENDING, attempts=0, next_attempt_at=now, locked_until=None, locked_by=None
    )
