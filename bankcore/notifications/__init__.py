"""The customer's inbox and e-mail, called by every context (DESIGN.md §7).

``notify`` writes the inbox row in the caller's transaction and e-mails after commit, as the
customer's preferences allow; contexts register the kinds they send in ``AppConfig.ready``.
"""

from __future__ import annotations

from datetime import datetime

from bankcore.notifications.kinds import register_kind

__all__ = ["notify", "register_kind"]


def notify(*, customer_id: int, kind: str, title: str, body: str, link: str, now: datetime) -> int:
    """Tell the customer something: an inbox row now, an e-mail after commit; returns its id."""
    from bankcore.notifications import services  # models load only once the app registry is ready

    return services.notification_send(customer_id=customer_id, kind=kind, title=title, body=body, link=link, now=now)
