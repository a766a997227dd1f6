"""API throttles that count per real client (``bankcore.http.client_ip``), never per forged header.

DRF's own ``get_ident`` believes X-Forwarded-For from anyone unless NUM_PROXIES is set, so a
client could name itself anew on every request. Every throttle the API uses derives from these.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from bankcore.http import client_ip


class _ClientIpIdent:
    def get_ident(self, request: Request) -> str:
        return client_ip(request._request)

    def get_rate(self) -> str | None:
        rates: dict[str, str] = settings.API_THROTTLE_RATES
        return rates.get(getattr(self, "scope", None) or "")


class AnonRateThrottle(_ClientIpIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientIpIdent, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientIpIdent, throttling.ScopedRateThrottle):
    pass
