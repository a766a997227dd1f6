"""The customer's inbox and e-mail, called by every context (DESIGN.md §7).

``notify`` writes the inbox row in the caller's transaction and e-mails after commit, as the
customer's preferences allow; contexts register the kinds they send in ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bankcore.notifications.kinds import register_kind

__all__ = ["Notice", "notify", "notify_at_most_daily", "notify_many", "register_kind"]


@dataclass(frozen=True)
class Notice:
    """One message for ``notify_many``: what ``notify`` takes, less the time."""

    customer_id: int
    kind: str
    title: str
    body: str
    link: str


def notify(*, customer_id: int, kind: str, title: str, body: str, link: str, now: datetime) -> int:
    """Tell the customer something: an inbox row now, an e-mail after commit; returns its id."""
    from bankcore.notifications import services  # models load only once the app registry is ready

    return services.notification_send(customer_id=customer_id, kind=kind, title=title, body=body, link=link, now=now)


def notify_at_most_daily(*, customer_id: int, kind: str, title: str, body: str, link: str, now: datetime) -> int | None:
    """``notify``, unless the customer was told the same (kind and title) in the last 24 hours.

    For notices that someone else's action sets off: a stranger repeating it must not flood the
    customer's inbox and mailbox. Returns None when it was not sent again.
    """
    from bankcore.notifications import services

    return services.notification_send_at_most_daily(
        customer_id=customer_id, kind=kind, title=title, body=body, link=link, now=now
    )


def notify_many(*, notices: Sequence[Notice], now: datetime) -> int:
    """``notify`` for many messages at once (one read of the preferences, one insert); returns how many."""
    from bankcore.notifications import services

    return services.notifications_send(notices=notices, now=now)
