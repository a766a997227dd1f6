"""Writes of the inbox: sending (inbox row now, e-mail after commit), reading, preferences."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils.http import url_has_allowed_host_and_scheme

from bankcore.errors import DomainError
from bankcore.notifications import Notice, selectors
from bankcore.notifications.kinds import kind_get
from bankcore.notifications.models import Notification, Preference
from bankcore.users.models import User

log = logging.getLogger(__name__)


class NotificationNotFound(DomainError):
    """No such notification for this customer."""

    status_code = 404
    code = "notification_not_found"


def _check_link(link: str) -> None:
    # Only our own pages: a link in the bank's inbox must never lead a customer elsewhere.
    # Browsers drop tabs and newlines inside a URL ("/\t/evil.example" becomes "//evil.example"),
    # so only printable ASCII is taken, and Django's own check has the last word.
    if link and (
        not link.startswith("/")
        or not (link.isascii() and link.isprintable())
        or not url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    ):
        raise ValueError(f"a notification links to a path of the bank (/app/...), not {link!r}")


def notification_send_at_most_daily(
    *, customer_id: int, kind: str, title: str, body: str, link: str, now: datetime
) -> int | None:
    """``notification_send`` unless the same kind and title reached the customer in the last 24 hours."""
    recent = Notification.objects.filter(
        customer_id=customer_id, kind=kind, title=title[:200], created_at__gt=now - timedelta(days=1)
    )
    if recent.exists():
        return None
    return notification_send(customer_id=customer_id, kind=kind, title=title, body=body, link=link, now=now)


def notification_send(*, customer_id: int, kind: str, title: str, body: str, link: str, now: datetime) -> int:
    """Write the inbox row in the caller's transaction; e-mail after commit if the customer wants it.

    The inbox always receives it; the e-mail follows the customer's preference for ``kind``
    (or the kind's default). Nothing is e-mailed if the caller's transaction rolls back.
    """
    registered = kind_get(kind)
    _check_link(link)
    if not title.strip():
        raise ValueError("a notification needs a title")
    wanted = selectors.email_wanted(customer_id=customer_id, kind=kind, default=registered.email_default)
    notification = Notification.objects.create(
        customer_id=customer_id,
        kind=kind,
        title=title[:200],
        body=body,
        link=link,
        created_at=now,
        email_wanted=wanted,
    )
    if wanted:
        from bankcore.notifications import tasks

        notification_id = notification.pk
        # robust: the caller's change has committed; a mail server's hiccup must not turn it into an error.
        transaction.on_commit(lambda: tasks.notification_email.delay(notification_id=notification_id), robust=True)
    return notification.pk


def notifications_send(*, notices: Sequence[Notice], now: datetime) -> int:
    """``notification_send`` for many notices: the same checks, one read of the preferences, one insert."""
    for notice in notices:
        _check_link(notice.link)
        if not notice.title.strip():
            raise ValueError("a notification needs a title")
    defaults = {kind: kind_get(kind).email_default for kind in {n.kind for n in notices}}
    chosen = selectors.email_choices(customer_ids={n.customer_id for n in notices}, kinds=set(defaults))
    rows = [
        Notification(
            customer_id=n.customer_id, kind=n.kind, title=n.title[:200], body=n.body, link=n.link, created_at=now,
            email_wanted=chosen.get((n.customer_id, n.kind), defaults[n.kind]),
        )
        for n in notices
    ]  # fmt: skip
    Notification.objects.bulk_create(rows, batch_size=1000)
    wanted = [row.pk for row in rows if row.email_wanted]
    if wanted:
        from bankcore.notifications import tasks

        def _mail() -> None:
            for notification_id in wanted:
                tasks.notification_email.delay(notification_id=notification_id)

        transaction.on_commit(_mail, robust=True)
    return len(rows)


@transaction.atomic
def notification_email_deliver(*, notification_id: int, now: datetime) -> bool:
    """E-mail one notification once; True if this call sent it. Safe to run twice.

    The claim (``emailed_at``) and the hand-over to the backend share a transaction: a backend
    error rolls the claim back so a retry sends it, and a second run finds it claimed.
    """
    claimed = Notification.objects.filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True).update(
        emailed_at=now
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    email = User.objects.filter(pk=notification.customer_id).values_list("email", flat=True).get()
    body = notification.body
    if notification.link:
        body += f"\n\nSee it in your bank: {notification.link}"
    send_mail(subject=notification.title, message=body, from_email=None, recipient_list=[email])
    log.info("notification e-mailed", extra={"notification_id": notification_id, "kind": notification.kind})
    return True


def notification_mark_read(*, customer_id: int, notification_id: int, now: datetime) -> None:
    """Mark the customer's own notification read (again: no change); another's is not found."""
    found = Notification.objects.filter(pk=notification_id, customer_id=customer_id)
    if not found.exists():
        raise NotificationNotFound()
    found.filter(read_at__isnull=True).update(read_at=now)


def notifications_mark_all_read(*, customer_id: int, now: datetime) -> int:
    return Notification.objects.filter(customer_id=customer_id, read_at__isnull=True).update(read_at=now)


@transaction.atomic
def preferences_set(*, customer_id: int, email: dict[str, bool], now: datetime) -> None:
    """Record the customer's e-mail choice per kind; unknown kinds are a programming error."""
    for kind, wanted in email.items():
        kind_get(kind)
        Preference.objects.update_or_create(
            customer_id=customer_id, kind=kind, defaults={"email": wanted, "updated_at": now}
        )
