"""What staff do with clearing's queues: resolve an exception, credit or return a suspended transfer.

The admin calls these (thin); each takes who acts and ``now`` and owns its transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.payments.clearing_files import folder
from apps.payments.clearing_incoming import IncomingRefused, incoming_return, suspense_resolve
from apps.payments.models.settlement import ClearingException, ClearingFile, Direction, FileStatus
from bankcore.errors import DomainError

__all__ = [
    "IncomingRefused",
    "exception_resolve",
    "file_content",
    "incoming_return",
    "suspense_resolve",
]


class ExceptionRefused(DomainError):
    code = "exception_refused"


def exception_resolve(*, exception_id: int, actor: str, note: str, now: datetime) -> None:
    """Close an exception with what staff found or did (the payment itself is not touched here)."""
    if not note.strip():
        raise ExceptionRefused("say what was found or done", code="note_required")
    with transaction.atomic():
        exception = ClearingException.objects.select_for_update().filter(pk=exception_id).first()
        if exception is None:
            raise ExceptionRefused(f"no exception {exception_id}", code="not_found")
        if exception.resolved_at is not None:
            return
        exception.resolved_at = now
        exception.resolved_by = actor[:64]
        exception.resolution = note.strip()[:500]
        exception.save(update_fields=["resolved_at", "resolved_by", "resolution"])


def file_content(*, file_id: int, limit: int = 20_000) -> str:
    """The text of a clearing file where it lies now (outbox, processed or rejected), for the monitor."""
    clearing_file = ClearingFile.objects.get(pk=file_id)
    if clearing_file.direction == Direction.OUT:
        places = ["outbox"]
    else:
        places = ["rejected" if clearing_file.status == FileStatus.REJECTED else "processed", "inbox"]
    for place in places:
        path = folder(place) / clearing_file.name
        if path.is_file():
            return path.read_bytes()[:limit].decode("utf-8", errors="replace")
    return ""
