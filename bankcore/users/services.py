"""Writes on users: accounts, second-factor devices, tracked sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.errors import DomainError
from bankcore.text import name_clean
from bankcore.users.audit import Kind, audit_record
from bankcore.users.models import EnrolmentToken, User, UserSession

TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
ENROLMENT_TOKEN_TTL = timedelta(hours=24)
ENROLMENT_PERMISSION = "users.enrol_user"


class SecondFactorRefused(DomainError):
    """The second-factor change cannot be made; ``code`` says why."""

    code = "second_factor_refused"


@transaction.atomic
def user_ensure(
    *, email: str, password: str, full_name: str = "", is_staff: bool = False, is_superuser: bool = False
) -> int:
    """Create the user if absent (idempotent, for demo data and bootstrap); returns its id."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        creator = User.objects.create_superuser if is_superuser else User.objects.create_user
        user = creator(email=email, password=password, full_name=name_clean(full_name), is_staff=is_staff)
    return user.pk


def user_id_for_email(*, email: str) -> int | None:
    if not email:
        return None
    return User.objects.filter(email=email.lower()).values_list("pk", flat=True).first()


def user_profile_update(*, user_id: int, full_name: str) -> None:
    User.objects.filter(pk=user_id).update(full_name=name_clean(full_name)[:200])


def user_lock(*, user_id: int) -> None:
    """Hold the user's row until the transaction ends: one second-factor check at a time per user."""
    list(User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True))


# --- second factor -----------------------------------------------------------------------------


def token_verify(*, user_id: int, token: str) -> Device | None:
    """The confirmed device of the user that accepts ``token``, or None.

    Each device is locked while it checks (no double use of a code in parallel) and throttles itself
    after failures (django-otp's exponential back-off). A used TOTP or backup code is spent.
    """
    token = "".join(token.split())
    if not token or len(token) > 16:
        return None
    user = User.objects.get(pk=user_id)
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(token):
                return device
    return None


def second_factor_enrolled(*, user_id: int) -> bool:
    return bool(user_has_device(User.objects.get(pk=user_id)))


def login_second_factor_verify(*, user_id: int, token: str, now: datetime) -> str | None:
    """The login's second step: the persistent id of the device that accepts ``token``, or None.

    A success is audited here; a refusal is counted by the caller through django-axes (which
    audits it as a refused sign-in code), so that it also counts towards the lockout.
    """
    device = token_verify(user_id=user_id, token=token)
    if device is None:
        return None
    user = User.objects.get(pk=user_id)
    audit_record(
        kind=Kind.OTP_VERIFIED, user_id=user_id, email=user.email, now=now, details={"device": device.persistent_id}
    )
    return str(device.persistent_id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def enrolment_token_issue(*, user_id: int, issued_by_id: int | None, now: datetime) -> str:
    """Issue a staff member a single-use token to enrol a second factor; returns it (shown once, stored hashed).

    ``issued_by_id`` is the administrator issuing it, never the staff member; None only for
    ``manage.py staff_enrolment_token`` (the first administrator, who has nobody to ask). A new
    token replaces any unused earlier one. Refused with ``not_found`` (no such active staff
    member), ``own_enrolment`` or ``not_authorised``.
    """
    user = User.objects.filter(pk=user_id, is_active=True, is_staff=True).first()
    if user is None:
        raise SecondFactorRefused("Enrolment tokens are for active staff members.", code="not_found")
    if issued_by_id == user_id:
        raise SecondFactorRefused("Another administrator issues your enrolment token.", code="own_enrolment")
    if issued_by_id is not None:
        issuer = User.objects.filter(pk=issued_by_id, is_active=True, is_staff=True).first()
        if issuer is None or not issuer.has_perm(ENROLMENT_PERMISSION):
            raise SecondFactorRefused("You may not issue enrolment tokens.", code="not_authorised")
    EnrolmentToken.objects.filter(user_id=user_id, used_at__isnull=True).delete()
    token = secrets.token_urlsafe(24)
    issued = EnrolmentToken.objects.create(
        user_id=user_id,
        token_hash=_token_digest(token),
        issued_by_id=issued_by_id,
        created_at=now,
        expires_at=now + ENROLMENT_TOKEN_TTL,
    )
    audit_record(
        kind=Kind.ENROLMENT_TOKEN_ISSUED,
        user_id=issued_by_id,
        email=user.email,
        now=now,
        details={
            "enrolment_token": issued.pk,
            "for_user": user_id,
            "issued_by": "command" if issued_by_id is None else "administrator",
        },
    )
    return token


def _enrolment_token_use(*, user_id: int, token: str, now: datetime) -> int:
    issued = (
        EnrolmentToken.objects.select_for_update()
        .filter(user_id=user_id, token_hash=_token_digest(token.strip()), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if issued is None:
        raise SecondFactorRefused(
            "That enrolment token is not valid (used, expired or not yours); ask an administrator for a new one.",
            code="enrolment_token_invalid",
        )
    issued.used_at = now
    issued.save(update_fields=["used_at"])
    return int(issued.pk)


def totp_enrolment_needs_token(*, user_id: int) -> bool:
    """Staff without a second factor enrol only with a token from an administrator; customers enrol themselves."""
    user = User.objects.get(pk=user_id)
    return bool(user.is_staff and not user_has_device(user))


@transaction.atomic
def totp_device_begin(*, user_id: int) -> int:
    """Start enrolling an authenticator app: a fresh unconfirmed device (any earlier one is dropped)."""
    TOTPDevice.objects.filter(user_id=user_id, confirmed=False).delete()
    device: TOTPDevice = TOTPDevice.objects.create(user_id=user_id, name=TOTP_NAME, confirmed=False)
    return int(device.pk)


@transaction.atomic
def totp_device_confirm(
    *, user_id: int, device_id: int, token: str, now: datetime, enrolment_token: str = ""
) -> TOTPDevice:
    """Confirm the app by a code it shows; from then on login asks for a code.

    A staff member without a second factor also gives an enrolment token (``enrolment_token_issue``):
    the password alone never makes a staff device. Replacing a factor is approved by the current
    one, which the caller checks (SCA) before this.
    """
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user_id=user_id, confirmed=False).first()
    if device is None:
        raise SecondFactorRefused("Start the set-up again.", code="enrolment_expired")
    details: dict[str, object] = {"device": device.persistent_id, "type": "totp"}
    if totp_enrolment_needs_token(user_id=user_id):
        details["enrolment_token"] = _enrolment_token_use(user_id=user_id, token=enrolment_token, now=now)
    if not device.verify_token("".join(token.split())):
        # Rolls back the token's use with it: a mistyped code does not burn the token.
        raise SecondFactorRefused("That code is not right; check the app's clock and try again.", code="invalid_otp")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(kind=Kind.DEVICE_ADDED, user_id=user_id, now=now, details=details)
    return device


@transaction.atomic
def backup_codes_generate(*, user_id: int, now: datetime) -> tuple[StaticDevice, list[str]]:
    """Replace the user's backup codes with fresh ones (each works once); returns the device and the codes.

    Only for a user with a confirmed authenticator app: backup codes stand in for a factor that
    exists, they never are the first one. The caller has checked a current code (SCA) first.
    """
    if not TOTPDevice.objects.filter(user_id=user_id, confirmed=True).exists():
        raise SecondFactorRefused("Set up an authenticator app first.", code="enrolment_required")
    device, _ = StaticDevice.objects.get_or_create(user_id=user_id, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(kind=Kind.BACKUP_CODES, user_id=user_id, now=now, details={"device": device.persistent_id})
    return device, codes


def _own_device(*, user_id: int, persistent_id: str) -> Device | None:
    # Only the two kinds of device the bank hands out: django-otp's loader would follow a
    # persistent id naming any model ("users.user/1").
    for model in (TOTPDevice, StaticDevice):
        device_id = persistent_id.removeprefix(f"{model._meta.app_label}.{model._meta.model_name}/")
        if device_id != persistent_id and device_id.isascii() and device_id.isdigit() and len(device_id) <= 18:
            found: Device | None = model.objects.filter(pk=int(device_id), user_id=user_id).first()
            return found
    return None


@transaction.atomic
def device_remove(*, user_id: int, persistent_id: str, now: datetime) -> None:
    device = _own_device(user_id=user_id, persistent_id=persistent_id)
    if device is None:
        raise SecondFactorRefused("No such device.", code="device_not_found")
    device.delete()
    audit_record(kind=Kind.DEVICE_REMOVED, user_id=user_id, now=now, details={"device": persistent_id})


# --- sessions ----------------------------------------------------------------------------------


def _session_store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore  # type: ignore[no-any-return]


@transaction.atomic
def session_track(*, user_id: int, session_key: str, ip_address: str | None, user_agent: str, now: datetime) -> None:
    """Index a new session of the user; the index forgets the user's sessions that have ended since."""
    store = _session_store()
    gone = [t.pk for t in UserSession.objects.filter(user_id=user_id) if not store().exists(t.session_key)]
    UserSession.objects.filter(pk__in=gone).delete()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user_id": user_id, "ip_address": ip_address, "user_agent": user_agent[:300], "created_at": now},
    )


@transaction.atomic
def sessions_revoke_all(*, user_id: int, now: datetime) -> int:
    """End every session of the user, on every device; returns how many were ended."""
    store = _session_store()
    ended = 0
    for tracked in UserSession.objects.select_for_update().filter(user_id=user_id):
        session = store(session_key=tracked.session_key)
        if session.exists(tracked.session_key):
            session.delete(tracked.session_key)
            ended += 1
        tracked.delete()
    audit_record(kind=Kind.SESSIONS_REVOKED, user_id=user_id, now=now, details={"sessions": ended})
    return ended
