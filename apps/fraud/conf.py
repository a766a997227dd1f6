"""The fraud app's settings, with their documented defaults (override in config/settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

_DEFAULTS: dict[str, Any] = {
    # Chosen from the measured recall / false-positive figures in docs/BENCHMARKS.md.
    "SANCTIONS_MATCH_THRESHOLD": 0.84,
    # Total rule score from which a payment is held for review, and from which it is refused.
    "FRAUD_REVIEW_SCORE": 50,
    "FRAUD_BLOCK_SCORE": 100,
    # The reporting threshold that structuring tries to stay under (minor units, any currency),
    # and how close under it counts as "just under" (per cent of the limit).
    "FRAUD_STRUCTURING_LIMIT_MINOR": 1_000_000,
    "FRAUD_STRUCTURING_MARGIN_PERCENT": 10,
    # FATF "call for action" and "increased monitoring" jurisdictions (ISO 3166 alpha-2).
    "FRAUD_HIGH_RISK_COUNTRIES": ["KP", "IR", "MM", "SY", "YE", "AF", "HT", "SS", "CD", "VE", "RU", "CU"],
    # Local hours (in TIME_ZONE) counted as night-time activity: [start, end).
    "FRAUD_NIGHT_HOURS": (0, 6),
    "FRAUD_RESCREEN_CHUNK": 500,
}


def get(name: str) -> Any:
    return getattr(settings, name, _DEFAULTS[name])
