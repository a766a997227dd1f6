"""Maker-checker: one person asks, another approves; the action runs only on approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from bankcore.approvals import registry, selectors
from bankcore.approvals.models import ApprovalRequest
from bankcore.canonical import json_round_trip
from bankcore.errors import DomainError
from bankcore.users.audit import Kind, audit_record
from bankcore.users.models import User


class ApprovalRefused(DomainError):
    """The approval request cannot be made or decided; ``code`` says why."""

    code = "approval_refused"


def _decide_lock(request_id: int) -> ApprovalRequest:
    try:
        return ApprovalRequest.objects.select_for_update().get(pk=request_id)
    except ApprovalRequest.DoesNotExist:
        raise ApprovalRefused("No such approval request.", code="not_found") from None


def approval_request(*, action: str, payload: dict[str, Any], maker_id: int, reason: str, now: datetime) -> int:
    """Ask for ``action`` with exactly ``payload``; returns the request id.

    Refused with ``unknown_action`` (no handler registered), ``reason_required``,
    ``invalid_payload`` (not JSON) or ``duplicate_pending`` (same action and payload already waiting).
    """
    if registry.handler_for(action) is None:
        raise ApprovalRefused(f"No approvable action named {action!r}.", code="unknown_action")
    if not reason.strip():
        raise ApprovalRefused("Say why the action is needed.", code="reason_required")
    try:
        # Round-trip through JSON so what is stored (and later handed to the handler) is exactly what was hashed.
        stored = json_round_trip(payload)
    except (TypeError, ValueError):
        raise ApprovalRefused("The payload must be JSON.", code="invalid_payload") from None
    digest = selectors.payload_hash(payload=stored)
    try:
        with transaction.atomic():
            if ApprovalRequest.objects.filter(
                action=action, payload_hash=digest, status=ApprovalRequest.Status.PENDING
            ).exists():
                raise ApprovalRefused("The same request is already waiting for approval.", code="duplicate_pending")
            request = ApprovalRequest.objects.create(
                action=action,
                payload=stored,
                payload_hash=digest,
                reason=reason.strip(),
                maker_id=maker_id,
                requested_at=now,
            )
            audit_record(
                kind=Kind.APPROVAL_REQUESTED,
                user_id=maker_id,
                now=now,
                details={"request_id": request.pk, "action": action, "payload_hash": digest},
            )
    except IntegrityError:
        # A concurrent maker won the race for the partial unique index.
        raise ApprovalRefused("The same request is already waiting for approval.", code="duplicate_pending") from None
    return request.pk


def _decide(
    *, request_id: int, checker_id: int, now: datetime, note: str, status: ApprovalRequest.Status
) -> ApprovalRequest:
    request = _decide_lock(request_id)
    if request.status != ApprovalRequest.Status.PENDING:
        raise ApprovalRefused(f"This request is already {request.status}.", code="not_pending")
    if request.maker_id == checker_id:
        raise ApprovalRefused("The maker of a request cannot decide it.", code="maker_cannot_approve")
    # The service, not only the admin, enforces who may decide: every door gets the same rule.
    checker = User.objects.filter(pk=checker_id, is_active=True).first()
    if checker is None or not checker.has_perm("approvals.decide_approvalrequest"):
        raise ApprovalRefused("You may not decide approval requests.", code="not_authorised")
    request.status = status
    request.checker_id = checker_id
    request.decided_at = now
    request.decision_note = note
    request.save(update_fields=["status", "checker", "decided_at", "decision_note"])
    kind = Kind.APPROVAL_APPROVED if status == ApprovalRequest.Status.APPROVED else Kind.APPROVAL_REJECTED
    audit_record(
        kind=kind,
        user_id=checker_id,
        now=now,
        details={
            "request_id": request.pk,
            "action": request.action,
            "payload_hash": request.payload_hash,
            "maker_id": request.maker_id,
            "note": note,
        },
    )
    return request


@transaction.atomic
def approval_approve(*, request_id: int, checker_id: int, now: datetime, note: str = "") -> None:
    """Approve a pending request made by someone else and run its action in the same transaction.

    If the handler raises, nothing is written: the request stays pending.
    """
    request = _decide(
        request_id=request_id, checker_id=checker_id, now=now, note=note, status=ApprovalRequest.Status.APPROVED
    )
    if selectors.payload_hash(payload=request.payload) != request.payload_hash:
        # What would run is not what was asked for and shown: refuse (the transaction rolls back).
        raise ApprovalRefused("The request was changed after it was made.", code="payload_tampered")
    handler = registry.handler_for(request.action)
    if handler is None:
        raise ApprovalRefused(f"No approvable action named {request.action!r}.", code="unknown_action")
    handler(dict(request.payload), now=now)


@transaction.atomic
def approval_reject(*, request_id: int, checker_id: int, now: datetime, note: str = "") -> None:
    """Reject a pending request made by someone else; the action never runs."""
    _decide(request_id=request_id, checker_id=checker_id, now=now, note=note, status=ApprovalRequest.Status.REJECTED)
