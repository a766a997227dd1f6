"""Reads on challenges, and the hash that binds a challenge to what it approves."""

from __future__ import annotations

from typing import Any

from bankcore.canonical import sha256_of
from bankcore.sca.models import Challenge


def details_hash(*, action: str, details: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces) of the action and its details."""
    return sha256_of({"action": action, "details": details})


def challenge_get(*, challenge_id: int, user_id: int) -> Challenge | None:
    """The user's own challenge, or None (another user's challenge does not exist for them)."""
    return Challenge.objects.filter(pk=challenge_id, user_id=user_id).first()
