"""Actions that need a second person: each app registers a handler that performs the action.

Handlers are registered in ``AppConfig.ready`` and run inside the transaction that approves the
request, so an approval and its effect commit (or fail) together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class Handler(Protocol):
    """Performs an approved action: ``payload`` is exactly what the checker approved, ``now`` the decision's moment."""

    def __call__(self, payload: dict[str, Any], /, *, now: datetime) -> None: ...


_handlers: dict[str, Handler] = {}


def register_action(action: str, handler: Handler) -> None:
    """Make ``action`` requestable; ``handler(payload, now=now)`` runs when a checker approves it.

    Registering the same name again replaces the handler (tests register their own).
    """
    if not action or len(action) > 100:
        raise ValueError("an action name is 1 to 100 characters")
    _handlers[action] = handler


def unregister_action(action: str) -> None:
    _handlers.pop(action, None)


def handler_for(action: str) -> Handler | None:
    return _handlers.get(action)


def actions() -> list[str]:
    return sorted(_handlers)
