"""The rates' settings, with their documented defaults (override in config/settings)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# A rate older than this refuses what it would price. The ECB publishes on TARGET working days
# around 16:00 CET: Friday's rate must still serve until Monday's arrives, long weekends included.
DEFAULT_MAX_AGE_HOURS = 96


def max_age() -> timedelta:
    return timedelta(hours=int(getattr(settings, "FX_RATE_MAX_AGE_HOURS", DEFAULT_MAX_AGE_HOURS)))
