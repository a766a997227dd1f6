"""Writes on users: accounts, second-factor devices, tracked sessions."""

from __future__ import annotations

from datetime import datetime
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
from bankcore.users.models import User, UserSession

TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


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


@transaction.atomic
def totp_device_begin(*, user_id: int) -> int:
    """Start enrolling an authenticator app: a fresh unconfirmed device (any earlier one is dropped)."""
    TOTPDevice.objects.filter(user_id=user_id, confirmed=False).delete()
    device: TOTPDevice = TOTPDevice.objects.create(user_id=user_id, name=TOTP_NAME, confirmed=False)
    return int(device.pk)


@transaction.atomic
def totp_device_confirm(*, user_id: int, device_id: int, token: str, now: datetime) -> TOTPDevice:
    """Confirm the app by a code it shows; from then on login asks for a code."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user_id=user_id, confirmed=False).first()
    if device is None:
        raise SecondFactorRefused("Start the set-up again.", code="enrolment_expired")
    if not device.verify_token("".join(token.split())):
        raise SecondFactorRefused("That code is not right; check the app's clock and try again.", code="invalid_otp")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        kind=Kind.DEVICE_ADDED, user_id=user_id, now=now, details={"device": device.persistent_id, "type": "totp"}
    )
    return device


@transaction.atomic
def backup_codes_generate(*, user_id: int, now: datetime) -> tuple[StaticDevice, list[str]]:
    """Replace the user's backup codes with fresh ones (each works once); returns the device and the codes."""
    device, _ = StaticDevice.objects.get_or_create(user_id=user_id, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(kind=Kind.BACKUP_CODES, user_id=user_id, now=now, details={"device": device.persistent_id})
    return device, codes


@transaction.atomic
def device_remove(*, user_id: int, persistent_id: str, now: datetime) -> None:
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user_id:
        raise SecondFactorRefused("No such device.", code="device_not_found")
    device.delete()
    audit_record(kind=Kind.DEVICE_REMOVED, user_id=user_id, now=now, details={"device": persistent_id})


# --- sessions ----------------------------------------------------------------------------------


def _session_store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore  # type: ignore[no-any-return]


def session_track(*, user_id: int, session_key: str, ip_address: str | None, user_agent: str, now: datetime) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user_id": user_id, "ip_address": ip_address, "user_agent": user_agent[:300], "created_at": now},
    )


def sessions_active(*, user_id: int) -> list[UserSession]:
    """The user's sessions that still exist in the session store (expired ones are forgotten)."""
    store = _session_store()
    alive: list[UserSession] = []
    for tracked in UserSession.objects.filter(user_id=user_id):
        if store().exists(tracked.session_key):
            alive.append(tracked)
        else:
            tracked.delete()
    return alive


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
