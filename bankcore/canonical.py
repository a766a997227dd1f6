"""Canonical JSON: one form for what is hashed and stored, so equal content always gives an equal hash.

SCA challenges (dynamic linking) and maker-checker requests both bind a decision to exactly this hash.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def json_round_trip(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as it reads back from JSON (dates, decimals and UUIDs become strings).

    Raises ``TypeError`` or ``ValueError`` when ``value`` cannot be JSON.
    """
    loaded: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return loaded


def sha256_of(value: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of ``value``."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()
