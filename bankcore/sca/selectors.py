"""Reads on challenges, and the hash that binds a challenge to what it approves."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from bankcore.sca.models import Challenge


def details_hash(*, action: str, details: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces) of the action and its details."""
    canonical = json.dumps(
        {"action": action, "details": details}, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def challenge_get(*, challenge_id: int, user_id: int) -> Challenge | None:
    """The user's own challenge, or None (another user's challenge does not exist for them)."""
    return Challenge.objects.filter(pk=challenge_id, user_id=user_id).first()
