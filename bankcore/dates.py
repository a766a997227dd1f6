"""Dates as the bank's interfaces write them: ISO 8601's extended calendar form, ``YYYY-MM-DD``.

Python's ``date.fromisoformat`` also takes ISO's basic ``20260101`` and week dates ``2026-W01-4``;
the commands, files and forms promise one form, so anything else is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date

_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def iso_date(text: str) -> date:
    """The date ``text`` writes as YYYY-MM-DD; ValueError for any other text or an impossible day."""
    if not _CALENDAR_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD")
    return date.fromisoformat(text)
