"""Reads on users: their second-factor devices and recent sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.users.models import AuditEvent, UserSession


@dataclass(frozen=True)
class DeviceInfo:
    persistent_id: str
    name: str
    kind: str
    remaining_codes: int | None


def devices_list(*, user_id: int) -> list[DeviceInfo]:
    shown = [
        DeviceInfo(d.persistent_id, d.name, "Authenticator app", None)
        for d in TOTPDevice.objects.filter(user_id=user_id, confirmed=True)
    ]
    shown += [
        DeviceInfo(d.persistent_id, d.name, "Backup codes", d.token_set.count())
        for d in StaticDevice.objects.filter(user_id=user_id, confirmed=True)
    ]
    return shown


def totp_confirmed(*, user_id: int) -> bool:
    return bool(TOTPDevice.objects.filter(user_id=user_id, confirmed=True).exists())


def totp_pending(*, user_id: int, device_id: int | None = None) -> TOTPDevice | None:
    """The user's authenticator app still waiting for its first code (``device_id`` to name one)."""
    devices = TOTPDevice.objects.filter(user_id=user_id, confirmed=False)
    return (devices.filter(pk=device_id) if device_id is not None else devices).first()


def sessions_active(*, user_id: int) -> list[UserSession]:
    """The user's tracked sessions that still exist in the session store (the next sign-in forgets the rest)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return [t for t in UserSession.objects.filter(user_id=user_id) if store().exists(t.session_key)]


def recent_logins(*, user_id: int, limit: int = 10) -> list[AuditEvent]:
    kinds = [
        AuditEvent.Kind.LOGIN,
        AuditEvent.Kind.LOGIN_FAILED,
        AuditEvent.Kind.OTP_FAILED,
        AuditEvent.Kind.LOCKED_OUT,
    ]
    return list(AuditEvent.objects.filter(user_id=user_id, kind__in=kinds).order_by("-at", "-id")[:limit])


def audit_list(*, user_id: int, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(user_id=user_id).order_by("-at", "-id")[:limit])
