from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bankcore.notifications.kinds import kinds_all
from bankcore.notifications.models import Notification, Preference


@dataclass(frozen=True)
class InboxItem:
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class PreferenceView:
    kind: str
    label: str
    email: bool


def _item(n: Notification) -> InboxItem:
    return InboxItem(
        id=n.pk,
        kind=n.kind,
        title=n.title,
        body=n.body,
        link=n.link,
        created_at=n.created_at,
        read=n.read_at is not None,
    )


def inbox_list(*, customer_id: int, limit: int = 50) -> list[InboxItem]:
    """The customer's newest notifications first."""
    rows = Notification.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")[:limit]
    return [_item(n) for n in rows]


def unread_count(*, customer_id: int) -> int:
    return Notification.objects.filter(customer_id=customer_id, read_at__isnull=True).count()


def email_wanted(*, customer_id: int, kind: str, default: bool) -> bool:
    chosen = Preference.objects.filter(customer_id=customer_id, kind=kind).values_list("email", flat=True).first()
    return default if chosen is None else chosen


def email_choices(*, customer_ids: set[int], kinds: set[str]) -> dict[tuple[int, str], bool]:
    """The e-mail choices the customers made for the kinds, per (customer, kind); defaults left out."""
    rows = Preference.objects.filter(customer_id__in=customer_ids, kind__in=kinds)
    return {(c, k): e for c, k, e in rows.values_list("customer_id", "kind", "email")}


def preferences_list(*, customer_id: int) -> list[PreferenceView]:
    """Every registered kind with the customer's e-mail choice (the kind's default where none)."""
    chosen = dict(Preference.objects.filter(customer_id=customer_id).values_list("kind", "email"))
    return [PreferenceView(kind=k.key, label=k.label, email=chosen.get(k.key, k.email_default)) for k in kinds_all()]
