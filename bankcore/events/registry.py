"""In-process subscriptions: apps subscribe their handlers in AppConfig.ready()."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

Handler = Callable[[str, dict[str, Any]], None]  # (event_id, payload)

_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


def subscribe(name: str, handler: Handler) -> Handler:
    """Subscribe ``handler`` to events called ``name``; it must be safe to run twice."""
    _handlers[name][f"{handler.__module__}.{handler.__qualname__}"] = handler
    return handler


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_handlers.get(name, {}))


# Work that follows a relay, registered by a layer above this one (the partner API's due webhook
# deliveries), so `relay_outbox` does it without the kernel's events importing it.
AfterRelay = Callable[[datetime], int]  # (now) -> how many things it did

_after_relay: dict[str, AfterRelay] = {}


def after_relay_register(name: str, hook: AfterRelay) -> None:
    _after_relay[name] = hook


def after_relay_hooks() -> dict[str, AfterRelay]:
    return dict(_after_relay)
