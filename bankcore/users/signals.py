"""Login, logout, failed-login and lockout events go to the audit log; new sessions are indexed."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from django.utils import timezone

from bankcore.users import lockout, services
from bankcore.users.audit import Kind, audit_record


def client_of(request: HttpRequest | None) -> tuple[str | None, str]:
    """The client's IP address and user agent, as far as the request tells."""
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR") or None, str(request.META.get("HTTP_USER_AGENT", ""))[:300]


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
        ip_address, user_agent = client_of(request)
        audit_record(
            kind=Kind.LOGOUT,
            user_id=user.pk,
            email=user.email,
            now=timezone.now(),
            ip_address=ip_address,
            user_agent=user_agent,
        )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = lockout.username_from(request, credentials) or ""
    ip_address, user_agent = client_of(request)
    audit_record(
        kind=Kind.LOGIN_FAILED,
        email=email,
        user_id=services.user_id_for_email(email=email),
        now=timezone.now(),
        details={"stage": str(credentials.get("stage", "password"))},
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
