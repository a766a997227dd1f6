"""HTTP plumbing every page and endpoint shares: problem bodies and the error pages Django serves.

Django answers some errors before any view runs (an unknown URL, a body over the size limit, a
forged host): these handlers give the API its problem+json there too, and the portal a page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

log = logging.getLogger(__name__)

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
    return request.path.startswith("/api/")


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
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return problem_response(
            status_code=500, title="Internal error", detail="An unexpected error occurred.", code="internal_error"
        )
    return defaults.server_error(request)
