"""Strong customer authentication with dynamic linking (PSD2 RTS art. 5).

A sensitive action (a payment above a threshold, a new beneficiary, a standing order, consent for a
partner, a change of e-mail or 2FA device) first creates a challenge bound to a hash of exactly what
is approved; the user's one-time password then approves that challenge and nothing else:

    challenge_id = sca.challenge_create(user_id=u, action="payment", details={
        "amount_minor": 10000, "currency": "EUR", "payee_iban": "DE89…"}, now=now)
    ...show the details, ask for the code...
    sca.challenge_approve(challenge_id=challenge_id, user_id=u, otp_token=code,
                          details=<the details of what is about to be executed>, now=now)

Approval refuses (``ChallengeRefused.code``): ``challenge_not_found``, ``challenge_used``,
``challenge_expired``, ``challenge_mismatch`` (details differ: the challenge is invalidated),
``challenge_invalidated``, ``invalid_otp`` (five wrong codes invalidate it), ``enrolment_required``.

Call ``challenge_approve`` outside your own transaction (or catch the refusal before rolling back):
a refusal records its effect (a failed attempt, an invalidation) before it is raised.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from bankcore.canonical import json_round_trip
from bankcore.errors import DomainError
from bankcore.sca import selectors
from bankcore.sca.models import Challenge
from bankcore.users import services as users
from bankcore.users.audit import Kind, audit_record

CHALLENGE_TTL = timedelta(minutes=5)
MAX_FAILED_ATTEMPTS = 5


class ChallengeRefused(DomainError):
    """The challenge cannot be created or approved; ``code`` says why."""

    status_code = 403
    code = "challenge_refused"


def _canonical(details: dict[str, Any]) -> dict[str, Any]:
    try:
        return json_round_trip(details)
    except (TypeError, ValueError):
        raise ChallengeRefused("The details must be JSON.", code="invalid_details") from None


def sca_require_enrolment(*, user_id: int) -> None:
    """Refuse with ``enrolment_required`` unless the user has a confirmed second factor.

    Payments call this before the first payment of a customer.
    """
    if not users.second_factor_enrolled(user_id=user_id):
        raise ChallengeRefused(
            "Set up two-factor authentication (Security page) before doing this.", code="enrolment_required"
        )


def challenge_create(*, user_id: int, action: str, details: dict[str, Any], now: datetime) -> int:
    """Create a single-use challenge for ``action`` with exactly ``details``; expires in 5 minutes."""
    if not action or len(action) > 60:
        raise ChallengeRefused("An action name is 1 to 60 characters.", code="invalid_action")
    sca_require_enrolment(user_id=user_id)
    stored = _canonical(details)
    challenge = Challenge.objects.create(
        user_id=user_id,
        action=action,
        details=stored,
        details_hash=selectors.details_hash(action=action, details=stored),
        created_at=now,
        expires_at=now + CHALLENGE_TTL,
    )
    return challenge.pk


def _refuse(challenge: Challenge, *, code: str, now: datetime) -> tuple[str, str]:
    audit_record(
        kind=Kind.SCA_REFUSED,
        user_id=challenge.user_id,
        now=now,
        details={"challenge_id": challenge.pk, "action": challenge.action, "code": code},
    )
    messages = {
        "challenge_used": "This approval was already used; start again.",
        "challenge_expired": "This approval has expired; start again.",
        "challenge_mismatch": "What you are approving has changed; start again.",
        "challenge_invalidated": "This approval is no longer valid; start again.",
        "invalid_otp": "That code is not right.",
    }
    return code, messages.get(code, "Refused.")


def _approve_locked(
    *, challenge_id: int, user_id: int, otp_token: str, details: dict[str, Any], now: datetime
) -> tuple[str, str] | None:
    challenge = Challenge.objects.select_for_update().filter(pk=challenge_id, user_id=user_id).first()
    if challenge is None:
        return "challenge_not_found", "No such approval."
    if challenge.status == Challenge.Status.APPROVED:
        return _refuse(challenge, code="challenge_used", now=now)
    if challenge.status == Challenge.Status.INVALIDATED:
        return _refuse(challenge, code="challenge_invalidated", now=now)
    if now >= challenge.expires_at:
        return _refuse(challenge, code="challenge_expired", now=now)
    try:
        presented = selectors.details_hash(action=challenge.action, details=_canonical(details))
    except ChallengeRefused:
        presented = ""
    if presented != challenge.details_hash:
        # Any change of amount, payee or action kills the challenge: no retry with other details.
        challenge.status = Challenge.Status.INVALIDATED
        challenge.invalidated_reason = "details_changed"
        challenge.save(update_fields=["status", "invalidated_reason"])
        return _refuse(challenge, code="challenge_mismatch", now=now)
    device = users.token_verify(user_id=user_id, token=otp_token)
    if device is None:
        challenge.failed_attempts += 1
        fields = ["failed_attempts"]
        if challenge.failed_attempts >= MAX_FAILED_ATTEMPTS:
            challenge.status = Challenge.Status.INVALIDATED
            challenge.invalidated_reason = "too_many_attempts"
            fields += ["status", "invalidated_reason"]
        challenge.save(update_fields=fields)
        return _refuse(challenge, code="invalid_otp", now=now)
    challenge.status = Challenge.Status.APPROVED
    challenge.approved_at = now
    challenge.save(update_fields=["status", "approved_at"])
    audit_record(
        kind=Kind.SCA_APPROVED,
        user_id=user_id,
        now=now,
        details={
            "challenge_id": challenge.pk,
            "action": challenge.action,
            "details_hash": challenge.details_hash,
            "device": device.persistent_id,
        },
    )
    return None


def challenge_approve(
    *, challenge_id: int, user_id: int, otp_token: str, details: dict[str, Any], now: datetime
) -> None:
    """Approve the challenge with the user's one-time password, if ``details`` are exactly those it was made for.

    Single use: a second approval is refused with ``challenge_used``.
    """
    with transaction.atomic():
        refusal = _approve_locked(
            challenge_id=challenge_id, user_id=user_id, otp_token=otp_token, details=details, now=now
        )
    if refusal is not None:
        code, message = refusal
        raise ChallengeRefused(message, code=code)


def challenge_confirm(*, user_id: int, action: str, details: dict[str, Any], otp_token: str, now: datetime) -> int:
    """Create and approve at once, for a form that shows the details and asks for the code on one page."""
    challenge_id = challenge_create(user_id=user_id, action=action, details=details, now=now)
    challenge_approve(challenge_id=challenge_id, user_id=user_id, otp_token=otp_token, details=details, now=now)
    return challenge_id
