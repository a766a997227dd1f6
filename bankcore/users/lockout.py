"""django-axes hooks: which account a login attempt is for, and the page a locked-out person sees."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_from(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail the attempt was for, lower-cased so Alice@ and alice@ share one counter."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("username")
    return str(value).strip().lower() if value else None


def login_allowed(request: HttpRequest, *, email: str) -> bool:
    """False while the account or the client's IP address is locked out.

    The password step asks axes through the authentication backend; later steps of the same login
    (the one-time code) ask here, so a step begun before a lockout cannot go on after it.
    """
    return bool(AxesProxyHandler.is_allowed(request, credentials={"username": email}))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "account/lockout.html", {"cooloff_minutes": minutes}, status=429)
