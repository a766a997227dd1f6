"""The security page's changes: each is approved by the user's current second factor, then done once.

The code is checked first and on its own (``sca.challenge_confirm`` commits a wrong code whatever
happens next); the approval is then used inside the change's own transaction
(``sca.challenge_consume``), so one approval makes one change. These live above both
``bankcore.sca`` and ``bankcore.users``, which know nothing of each other's writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.db import transaction
from django.http import HttpRequest

from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca
from bankcore.users import selectors as users_read
from bankcore.users import services as users
from bankcore.users.models import User

TOTP_DETAILS = {"type": "totp"}
BACKUP_DETAILS = {"type": "static"}


def _approve(*, user_id: int, action: str, details: dict[str, Any], otp_token: str, now: datetime) -> int | None:
    """The approved challenge for the change, or None for a user without a factor yet (nothing to approve with)."""
    if not users.second_factor_enrolled(user_id=user_id):
        return None
    return sca.challenge_confirm(user_id=user_id, action=action, details=details, otp_token=otp_token, now=now)


def _use(*, challenge_id: int | None, user_id: int, action: str, details: dict[str, Any], now: datetime) -> None:
    if challenge_id is not None:
        digest = sca_read.details_hash(action=action, details=details)
        sca.challenge_consume(challenge_id=challenge_id, user_id=user_id, payload_hash=digest, now=now)


def totp_enrol_confirm(
    *, user_id: int, device_id: int, token: str, current_token: str, enrolment_token: str, now: datetime
) -> str:
    """Turn on the authenticator app being enrolled; returns its persistent id.

    A user who has a factor approves with it; a staff member without one gives an enrolment token.
    Raises ``sca.ChallengeRefused`` or ``users.SecondFactorRefused``.
    """
    challenge_id = _approve(
        user_id=user_id, action="device_add", details=TOTP_DETAILS, otp_token=current_token, now=now
    )
    with transaction.atomic():
        _use(challenge_id=challenge_id, user_id=user_id, action="device_add", details=TOTP_DETAILS, now=now)
        device = users.totp_device_confirm(
            user_id=user_id, device_id=device_id, token=token, enrolment_token=enrolment_token, now=now
        )
    return str(device.persistent_id)


def backup_codes_renew(*, user_id: int, current_token: str, now: datetime) -> list[str]:
    """Fresh backup codes for a user with an authenticator app, approved by a current code; verifies no session."""
    if not users_read.totp_confirmed(user_id=user_id):
        raise users.SecondFactorRefused("Set up an authenticator app first.", code="enrolment_required")
    challenge_id = _approve(
        user_id=user_id, action="backup_codes", details=BACKUP_DETAILS, otp_token=current_token, now=now
    )
    with transaction.atomic():
        _use(challenge_id=challenge_id, user_id=user_id, action="backup_codes", details=BACKUP_DETAILS, now=now)
        _, codes = users.backup_codes_generate(user_id=user_id, now=now)
    return codes


def device_remove(*, user_id: int, persistent_id: str, current_token: str, now: datetime) -> None:
    """Remove one of the user's devices, approved by a current code."""
    details = {"device": persistent_id}
    challenge_id = _approve(user_id=user_id, action="device_remove", details=details, otp_token=current_token, now=now)
    with transaction.atomic():
        _use(challenge_id=challenge_id, user_id=user_id, action="device_remove", details=details, now=now)
        users.device_remove(user_id=user_id, persistent_id=persistent_id, now=now)


def email_change_request(*, request: HttpRequest, user_id: int, email: str, otp_token: str, now: datetime) -> str:
    """Add ``email`` as the address waiting for confirmation (it replaces the old once its link is opened).

    A user with a second factor approves the change with a code. ``request`` is allauth's: the
    confirmation link is built from it. Returns the address added.
    """
    details = {"email": email}
    challenge_id = _approve(user_id=user_id, action="email_change", details=details, otp_token=otp_token, now=now)
    with transaction.atomic():
        _use(challenge_id=challenge_id, user_id=user_id, action="email_change", details=details, now=now)
        user = User.objects.get(pk=user_id)
        address = EmailAddress.objects.add_new_email(request, user, email)
        account_signals.email_added.send(sender=EmailAddress, request=request, user=user, email_address=address)
    return str(address.email)
