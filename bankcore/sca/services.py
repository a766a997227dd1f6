"""Strong customer authentication with dynamic linking (PSD2 RTS art. 5).

A sensitive action (a payment above a threshold, a new beneficiary, a standing order, consent for a
partner, a change of e-mail or 2FA device) first creates a challenge bound to a hash of exactly what
is approved; the user's one-time password then approves that challenge, and the action uses the
approval once, in its own transaction:

    challenge_id = sca.challenge_create(user_id=u, action="payment", details=details, now=now)
    ...show the details, ask for the code...
    sca.challenge_approve(challenge_id=challenge_id, user_id=u, otp_token=code, details=details, now=now)
    with transaction.atomic():
        sca.challenge_consume(challenge_id=challenge_id, user_id=u,
                              payload_hash=sca_read.details_hash(action="payment", details=details), now=now)
        ...execute the payment...

Checking the code commits on its own (a durable transaction): a wrong code counts whatever the
caller does next, and the check refuses to run inside a caller's transaction. Using the approval
(``challenge_consume``) belongs to the caller's transaction: if the action rolls back, the approval
is still there to be used once.

Approval refuses (``ChallengeRefused.code``): ``challenge_not_found``, ``challenge_used``,
``challenge_expired``, ``challenge_mismatch`` (details differ: the challenge is invalidated),
``challenge_invalidated``, ``invalid_otp`` (five wrong codes invalidate it), ``too_many_attempts``
(five wrong codes of the user within ``FAILED_ATTEMPTS_WINDOW``, over all their challenges),
``enrolment_required``.

Using an approval inside the caller's transaction (the pattern for every payment)::

    with transaction.atomic():
        payment = ...lock and create the payment...
        sca.challenge_consume(challenge_id=cid, user_id=payer, payload_hash=hash_of_what_is_paid, now=now)
        ...hold or post to the ledger...

The challenge's row is locked until the caller commits, so two requests presenting one approval
execute one payment: the second waits, then is refused ``challenge_used``. If the caller rolls back
(funds, limits, fraud), the approval is unused again and can be presented once more. A bulk file
is bound the same way to its total and payees: ``selectors.batch_challenge_details``.

Exemptions from SCA (low value, trusted beneficiary, own accounts, secure corporate process) and
their per-payer counters are in ``bankcore.sca.exemptions`` and re-exported here: ask
``sca_exemption_evaluate`` first, and when it answers None run the challenge flow above; a
consumed challenge of a payment-like action starts the low-value count again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum

from bankcore.canonical import json_round_trip
from bankcore.errors import DomainError
from bankcore.sca import selectors
from bankcore.sca.exemptions import (
    LOW_VALUE_COUNT_MAX,
    LOW_VALUE_CUMULATIVE_MAX,
    LOW_VALUE_MAX,
    PAYMENT_ACTIONS,
    ExemptionCounterView,
    ExemptionRefused,
    ExemptionView,
    is_payment_action,
    sca_exemption_apply,
    sca_exemption_counter,
    sca_exemption_evaluate,
    sca_exemptions_reset,
)
from bankcore.sca.models import Challenge, Exemption
from bankcore.users import services as users
from bankcore.users.audit import Kind, audit_record

__all__ = [
    "CHALLENGE_TTL",
    "FAILED_ATTEMPTS_WINDOW",
    "LOW_VALUE_COUNT_MAX",
    "LOW_VALUE_CUMULATIVE_MAX",
    "LOW_VALUE_MAX",
    "MAX_FAILED_ATTEMPTS",
    "PAYMENT_ACTIONS",
    "ChallengeRefused",
    "Exemption",
    "ExemptionCounterView",
    "ExemptionRefused",
    "ExemptionView",
    "challenge_approve",
    "challenge_confirm",
    "challenge_consume",
    "challenge_create",
    "is_payment_action",
    "sca_exemption_apply",
    "sca_exemption_counter",
    "sca_exemption_evaluate",
    "sca_exemptions_reset",
    "sca_require_enrolment",
]

CHALLENGE_TTL = timedelta(minutes=5)
MAX_FAILED_ATTEMPTS = 5
# Wrong codes count per user as well as per challenge, or a new challenge per guess would reset the count.
FAILED_ATTEMPTS_WINDOW = timedelta(minutes=15)


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
        "too_many_attempts": "Too many wrong codes; wait a quarter of an hour and try again.",
    }
    return code, messages.get(code, "Refused.")


def _recent_failures(*, user_id: int, now: datetime) -> int:
    """Wrong codes on the user's challenges created in the window, since their last approval.

    Counted by the challenge's creation, not each attempt's moment: a challenge lives 5 minutes,
    so a wrong code can count for at most that much longer than the window. A success starts again.
    """
    since = now - FAILED_ATTEMPTS_WINDOW
    last_approved = Challenge.objects.filter(user_id=user_id, approved_at__isnull=False).aggregate(
        at=Max("approved_at")
    )["at"]
    if last_approved is not None and last_approved > since:
        since = last_approved
    recent = Challenge.objects.filter(user_id=user_id, created_at__gt=since, created_at__lte=now)
    return int(recent.aggregate(n=Sum("failed_attempts"))["n"] or 0)


def _approve_locked(
    *, challenge_id: int, user_id: int, otp_token: str, details: dict[str, Any], now: datetime
) -> tuple[str, str] | None:
    # One check at a time per user, so parallel guesses on several challenges cannot all pass the count.
    users.user_lock(user_id=user_id)
    challenge = Challenge.objects.select_for_update().filter(pk=challenge_id, user_id=user_id).first()
    if challenge is None:
        return "challenge_not_found", "No such approval."
    if challenge.status in (Challenge.Status.APPROVED, Challenge.Status.USED):
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
    if _recent_failures(user_id=user_id, now=now) >= MAX_FAILED_ATTEMPTS:
        # Refused before the code is looked at: no more guesses, and a right code is not spent.
        return _refuse(challenge, code="too_many_attempts", now=now)
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

    Commits on its own, refusal or not (a durable transaction: never inside the caller's).
    A second approval is refused with ``challenge_used``.
    """
    with transaction.atomic(durable=True):
        refusal = _approve_locked(
            challenge_id=challenge_id, user_id=user_id, otp_token=otp_token, details=details, now=now
        )
    if refusal is not None:
        code, message = refusal
        raise ChallengeRefused(message, code=code)


def challenge_confirm(*, user_id: int, action: str, details: dict[str, Any], otp_token: str, now: datetime) -> int:
    """Create and approve at once, for a form that shows the details and asks for the code on one page.

    Returns the approved challenge's id, for the action to ``challenge_consume``.
    """
    challenge_id = challenge_create(user_id=user_id, action=action, details=details, now=now)
    challenge_approve(challenge_id=challenge_id, user_id=user_id, otp_token=otp_token, details=details, now=now)
    return challenge_id


def challenge_consume(*, challenge_id: int, user_id: int, payload_hash: str, now: datetime) -> None:
    """Use an approved challenge for the action it approved: once, inside the action's transaction.

    ``payload_hash`` is ``details_hash`` of what is about to be executed. Refused with
    ``challenge_not_found``, ``challenge_not_approved``, ``challenge_used``, ``challenge_expired``
    or ``challenge_mismatch``; a refusal changes nothing. For a payment-like action
    (``is_payment_action``) the user's low-value exemption count starts again, in the same
    transaction. Call it inside the action's own transaction (see the module docstring).
    """
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().filter(pk=challenge_id, user_id=user_id).first()
        if challenge is None:
            raise ChallengeRefused("No such approval.", code="challenge_not_found")
        if challenge.status == Challenge.Status.USED:
            raise ChallengeRefused("This approval was already used; start again.", code="challenge_used")
        if challenge.status != Challenge.Status.APPROVED:
            raise ChallengeRefused("This has not been approved.", code="challenge_not_approved")
        if now >= challenge.expires_at:
            raise ChallengeRefused("This approval has expired; start again.", code="challenge_expired")
        if payload_hash != challenge.details_hash:
            raise ChallengeRefused("What you are approving has changed; start again.", code="challenge_mismatch")
        challenge.status = Challenge.Status.USED
        challenge.used_at = now
        challenge.save(update_fields=["status", "used_at"])
        if is_payment_action(challenge.action):
            sca_exemptions_reset(payer_id=user_id, now=now)
