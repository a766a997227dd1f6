"""Reads on approval requests."""

from __future__ import annotations

from typing import Any

from bankcore.approvals.models import ApprovalRequest
from bankcore.canonical import sha256_of


def payload_hash(*, payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON form (sorted keys, no spaces): equal payloads, equal hashes."""
    return sha256_of(payload)


def approval_get(*, request_id: int) -> ApprovalRequest:
    return ApprovalRequest.objects.get(pk=request_id)


def approval_pending_list(*, action: str | None = None) -> list[ApprovalRequest]:
    qs = ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING)
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs.order_by("requested_at", "id"))
