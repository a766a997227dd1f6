"""Login, logout, failed-login, lockout, password and e-mail events go to the audit log; new sessions are indexed."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from django.utils import timezone

from bankcore.http import client_ip
from bankcore.users import lockout, services
from bankcore.users.audit import Kind, audit_record


def client_of(request: HttpRequest | None) -> tuple[str | None, str]:
    """The client's IP address and user agent, as far as the request tells."""
    if request is None:
        return None, ""
    return client_ip(request) or None, str(request.META.get("HTTP_USER_AGENT", ""))[:300]


def _audit_user_event(kind: str, request: HttpRequest | None, user: Any, details: dict[str, Any]) -> None:
    ip_address, user_agent = client_of(request)
    audit_record(
        kind=kind,
        user_id=user.pk,
        email=user.email,
        now=timezone.now(),
        ip_address=ip_address,
        user_agent=user_agent,
        details=details,
    )


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    now = timezone.now()
    ip_address, user_agent = client_of(request)
    audit_record(
        kind=Kind.LOGIN, user_id=user.pk, email=user.email, now=now, ip_address=ip_address, user_agent=user_agent
    )
    if request is not None and hasattr(request, "session"):
        if request.session.session_key is None:
            request.session.save()
        services.session_track(
            user_id=user.pk,
            session_key=str(request.session.session_key),
            ip_address=ip_address,
            user_agent=user_agent,
            now=now,
        )


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _audit_user_event(Kind.LOGOUT, request, user, {})


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = lockout.username_from(request, credentials) or ""
    ip_address, user_agent = client_of(request)
    stage = str(credentials.get("stage", "password"))
    audit_record(
        # A wrong or reused code after the right password is not a failed password: say which.
        kind=Kind.OTP_FAILED if stage == "otp" else Kind.LOGIN_FAILED,
        email=email,
        user_id=services.user_id_for_email(email=email),
        now=timezone.now(),
        details={"stage": stage},
        ip_address=ip_address,
        user_agent=user_agent,
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    email = (username or "").lower()
    _, user_agent = client_of(request)
    audit_record(
        kind=Kind.LOCKED_OUT,
        email=email,
        user_id=services.user_id_for_email(email=email),
        now=timezone.now(),
        ip_address=ip_address or None,
        user_agent=user_agent,
    )


def on_password_changed(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _audit_user_event(Kind.PASSWORD_CHANGED, request, user, {"how": "changed"})


def on_password_reset(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _audit_user_event(Kind.PASSWORD_CHANGED, request, user, {"how": "reset"})


def on_password_set(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _audit_user_event(Kind.PASSWORD_CHANGED, request, user, {"how": "set"})


def on_email_changed(
    sender: Any, request: HttpRequest | None, user: Any, from_email_address: Any, to_email_address: Any, **kwargs: Any
) -> None:
    previous = from_email_address.email if from_email_address is not None else ""
    _audit_user_event(Kind.EMAIL_CHANGED, request, user, {"from": previous, "to": to_email_address.email})


def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    # Sent once per installed app, after that app's permissions exist: sync after the last one.
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        from bankcore.users import roles

        roles.roles_sync()


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="bankcore.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="bankcore.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="bankcore.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="bankcore.audit.locked_out")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid="bankcore.audit.password_changed")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid="bankcore.audit.password_reset")
    account_signals.password_set.connect(on_password_set, dispatch_uid="bankcore.audit.password_set")
    account_signals.email_changed.connect(on_email_changed, dispatch_uid="bankcore.audit.email_changed")
