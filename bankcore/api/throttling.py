"""API throttles: a partner is counted per client (its OAuth2 application), anyone else per real address.

A client-credentials token carries no user, so DRF's own throttles would take every partner for
an anonymous caller and count it per IP address: partners behind one gateway would share the
anonymous limit, and one partner on many addresses would escape its own. Here a request made with
a partner's token counts against the ``user`` rate under that application's id; an anonymous one
against the ``anon`` rate under ``bankcore.http.client_ip``, never a forged header (DRF's
``get_ident`` believes X-Forwarded-For from anyone unless NUM_PROXIES is set). Every throttle the
API uses derives from these.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from bankcore.http import client_ip


def request_client(request: Request) -> str | None:
    """Who sent the request, for counting: ``app:<id>`` for a partner's token, ``user:<id>``, or None."""
    application_id = getattr(getattr(request, "auth", None), "application_id", None)
    if application_id is not None:
        return f"app:{application_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class _ClientIpIdent:
    scope: str | None

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request)

    def get_rate(self) -> str | None:
        rates: dict[str, str] = settings.API_THROTTLE_RATES
        return rates.get(self.scope or "")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        ident = request_client(request) or f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class AnonRateThrottle(_ClientIpIdent, throttling.AnonRateThrottle):
    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request_client(request) is not None:
            return None  # counted by UserRateThrottle
        return super().get_cache_key(request, view)


class UserRateThrottle(_ClientIpIdent, throttling.UserRateThrottle):
    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request_client(request) is None:
            return None  # counted by AnonRateThrottle, at its own rate only
        return super().get_cache_key(request, view)


class ScopedRateThrottle(_ClientIpIdent, throttling.ScopedRateThrottle):
    pass
