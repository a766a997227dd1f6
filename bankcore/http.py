"""HTTP plumbing every page and endpoint shares: the client's address, problem bodies, error pages.

Django answers some errors before any view runs (an unknown URL, a body over the size limit, a
forged host): these handlers give the API its problem+json there too, and the portal a page.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.urls import is_valid_path
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from kombu.exceptions import OperationalError as BrokerUnavailable

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client, the one thing lockouts, logs, throttling and /metrics key on.

    Without a trusted proxy (the default) it is the connection's address: X-Forwarded-For is
    anyone's to write. With ``TRUSTED_PROXIES`` (addresses or networks) the hops are read from the
    right, skipping trusted proxies, and the first other address is the client; a connection not
    from a trusted proxy is its own client. With ``TRUSTED_PROXY_COUNT`` = n, the client is the n-th
    hop from the right (what the outermost proxy saw); a request with fewer hops did not come
    through the proxies and is its connection. Hops to the left of the client are the client's own
    words and never believed.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count: int = settings.TRUSTED_PROXY_COUNT
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not count and not networks:
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    if count:
        if len(hops) < count:
            return remote
        found = _address(hops[-count])
    else:
        connection = _address(remote)
        if connection is None or not any(connection in network for network in networks):
            return remote
        found = connection
        for hop in reversed(hops):
            found = _address(hop)
            if found is None or not any(found in network for network in networks):
                break
    return str(found) if found is not None else remote


PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://bankcore.dev/problems/"


def problem_body(
    *, status_code: int, title: str, detail: str, code: str, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """RFC 9457 problem details, with our stable ``code`` beside the standard members."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(*, status_code: int, title: str, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status_code=status_code, title=title, detail=detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def is_api(request: HttpRequest) -> bool:
    # /o/ (OAuth2's token endpoints) answers its own JSON errors; where Django answers before
    # the view can (a body over the limit), a machine client still gets JSON, not a page.
    return request.path_info.startswith(("/api/", "/o/"))  # path_info: without a FORCE_SCRIPT_NAME prefix


def too_large_problem() -> dict[str, Any]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"The request body is over the limit of {limit} bytes." if limit else "The request body is too large."
    return {
        "status_code": 413,
        "title": "Request too large",
        "detail": detail,
        "code": "request_too_large",
    }


BAD_REQUEST_PROBLEM: dict[str, Any] = {
    "status_code": 400,
    "title": "Bad request",
    "detail": "The request could not be understood.",
    "code": "bad_request",
}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: every SuspiciousOperation (a forged host, a body over the limit, ...) ends here."""
    problem = too_large_problem() if isinstance(exception, RequestDataTooBig) else BAD_REQUEST_PROBLEM
    if is_api(request):
        return problem_response(**problem)
    # Rendered without the request: the error may come from a middleware before the session,
    # the user or the CSP nonce exist, and this page must not fail in turn.
    html = loader.render_to_string("400.html", {"too_large": problem["status_code"] == 413})
    return HttpResponse(html, status=problem["status_code"])


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return problem_response(status_code=404, title="Not found", detail="No such resource.", code="not_found")
    return defaults.page_not_found(request, exception)


@csrf_exempt  # it changes nothing; a CSRF refusal would be an HTML page where a client expects a 404
def api_not_found(request: HttpRequest) -> HttpResponse:
    """The last URL under /api/ and /o/: a machine client gets problem+json, with DEBUG on too.

    Without it Django answers an unknown path itself: its HTML debug page under DEBUG, and for a
    missing final slash a 301, which clients follow as a GET without the body (under DEBUG, a 500
    for a POST). A path that exists with its slash is redirected there: 301 for a read, 308 for
    anything else, which keeps the method and the body.
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        match = is_valid_path(request.path_info + "/", getattr(request, "urlconf", None))
        if match and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(
                request.get_full_path(force_append_slash=True), preserve_request=request.method not in ("GET", "HEAD")
            )
    return problem_response(status_code=404, title="Not found", detail="No such resource.", code="not_found")


# Seconds a client is asked to wait when Redis (cache, sessions' lockout checks, broker) is down.
RETRY_AFTER_SECONDS = 30
OUTAGE_PROBLEM: dict[str, Any] = {
    "status_code": 503,
    "title": "Temporarily unavailable",
    "detail": "The bank is temporarily unavailable. Please try again shortly.",
    "code": "temporarily_unavailable",
}


def is_outage(exc: BaseException | None) -> bool:
    """Is this the cache or the broker being unreachable, rather than a bug?"""
    return isinstance(exc, redis.ConnectionError | redis.TimeoutError | BrokerUnavailable)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a page elsewhere."""
    if is_api(request):
        response: HttpResponse = problem_response(**OUTAGE_PROBLEM)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while handling the exception, so it can tell an outage from a bug.

    With Redis down the login (its rate limits), the lockout and anything else on the cache
    fail; refusing to guess is right for a bank, but the answer is "come back", not "we broke".
    """
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    if is_api(request):
        return problem_response(
            status_code=500, title="Internal error", detail="An unexpected error occurred.", code="internal_error"
        )
    return defaults.server_error(request)


def proxy_settings_problem() -> str | None:
    """Why the proxy settings contradict each other, if they do (checked at start-up)."""
    if settings.SECURE_PROXY_SSL_HEADER and not (settings.TRUSTED_PROXIES or settings.TRUSTED_PROXY_COUNT):
        return "is set, but no proxy is trusted for the client's address: set TRUSTED_PROXIES or TRUSTED_PROXY_COUNT"
    return None


# Where secrets and account data are shown: the portal, the back office, sign-in and its second
# factor (TOTP keys, backup codes), and the partner API and its tokens.
_PRIVATE_PREFIXES = ("/app/", "/admin/", "/accounts/", "/api/v1/", "/o/")


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on private pages and on whatever a signed-in user is shown.

    Without it the back button, a shared computer's disk cache or a corporate proxy can keep a
    page of balances or a fresh TOTP secret after the customer has signed out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(_PRIVATE_PREFIXES) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
