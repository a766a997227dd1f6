"""Domain events through a transactional outbox.

``publish`` writes a row in the caller's transaction, so an event exists exactly when the change
that caused it committed. The relay hands each row to the handlers subscribed to its name; a
handler runs at most once per event (deduplicated on event id + handler name).
"""

from collections.abc import Sequence
from typing import Any

from bankcore.events.registry import subscribe

__all__ = ["publish", "publish_many", "subscribe"]


def publish(name: str, payload: dict[str, Any]) -> str:
    """Record event ``name`` in the current transaction; returns its event id."""
    from bankcore.events import services  # models load only once the app registry is ready

    return services.publish(name, payload)


def publish_many(events: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """Record many ``(name, payload)`` events in the current transaction with one insert; their ids, in order."""
    from bankcore.events import services

    return services.publish_many(events)
