"""What the clearing commands share: ``--at MOMENT`` (ISO 8601 with an offset) and one-line refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from bankcore.errors import DomainError

T = TypeVar("T")


def add_at(parser: CommandParser) -> None:
    parser.add_argument(
        "--at", metavar="MOMENT", help="the moment to run for, ISO 8601 with an offset (default: now)", default=None
    )


def moment(options: dict[str, Any]) -> datetime:
    value = options.get("at")
    if value is None:
        return timezone.now()
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"--at {value!r} is not an ISO 8601 moment (2026-12-02T14:30:00+01:00)") from None
    if parsed.tzinfo is None:
        raise CommandError(f"--at {value!r} needs an offset (…+01:00 or …Z)")
    return parsed


def refusing(call: Callable[[], T]) -> T:
    """Run ``call``; a refusal or an unusable setting becomes one line and a non-zero exit."""
    try:
        return call()
    except (DomainError, ValueError, OSError) as error:
        raise CommandError(" ".join(str(error).split()) or type(error).__name__) from None
