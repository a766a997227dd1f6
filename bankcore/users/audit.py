"""The security audit log: one call writes one row; nothing ever updates or deletes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bankcore.users.models import AuditEvent

Kind = AuditEvent.Kind


def audit_record(
    *,
    kind: str,
    now: datetime,
    user_id: int | None = None,
    email: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit event; returns its id. Runs in the caller's transaction, if any."""
    event = AuditEvent.objects.create(
        kind=kind,
        user_id=user_id,
        email=email[:254],
        ip_address=ip_address or None,
        user_agent=user_agent[:300],
        details=details or {},
        at=now,
    )
    return event.pk
