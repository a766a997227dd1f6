"""RFC 9457 problem details for every API error, including validation and unexpected ones."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from bankcore.errors import DomainError
from bankcore.http import (
    BAD_REQUEST_PROBLEM,
    OUTAGE_PROBLEM,
    PROBLEM_CONTENT_TYPE,
    RETRY_AFTER_SECONDS,
    TYPE_BASE,
    is_outage,
    problem_body,
    too_large_problem,
)
from bankcore.money import MoneyError

log = logging.getLogger(__name__)
security_log = logging.getLogger("django.security")

__all__ = ["PROBLEM_CONTENT_TYPE", "TYPE_BASE", "domain_problem", "problem", "problem_exception_handler"]


class ProblemResponse(Response):
    """Always JSON, whatever the view renders: the schema view would otherwise write a problem as YAML."""

    @property
    def rendered_content(self) -> Any:
        self.accepted_renderer = JSONRenderer()
        self.accepted_media_type = PROBLEM_CONTENT_TYPE
        self.renderer_context = getattr(self, "renderer_context", None) or {}
        return super().rendered_content


def problem(*, status_code: int, title: str, detail: str, code: str, errors: dict[str, Any] | None = None) -> Response:
    body = problem_body(status_code=status_code, title=title, detail=detail, code=code, errors=errors)
    return ProblemResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def domain_problem(refused: DomainError) -> Response:
    """A service's refusal; one about a single input names it under ``errors``, nested as a serializer's."""
    errors: dict[str, Any] | None = None
    if refused.field:
        *outer, inner = refused.field.split(".")
        errors = {inner: [str(refused)]}
        for name in reversed(outer):
            errors = {name: errors}
    return problem(
        status_code=refused.status_code, title="Request refused", detail=str(refused), code=refused.code, errors=errors
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, MoneyError):
        return problem(status_code=422, title="Invalid amount", detail=str(exc), code=exc.code)
    if is_outage(exc):
        log.error("API request failed: Redis unavailable", exc_info=exc)
        unavailable = problem(**OUTAGE_PROBLEM)
        unavailable["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return unavailable
    if isinstance(exc, SuspiciousOperation):
        # A body over the limit surfaces while authentication reads it; the rest are forgeries or
        # junk. Django logs these under django.security outside DRF; so do we, and say nothing more.
        security_log.warning("suspicious API request: %s: %s", type(exc).__name__, exc)
        return problem(**(too_large_problem() if isinstance(exc, RequestDataTooBig) else BAD_REQUEST_PROBLEM))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        log.exception("unhandled API error")
        return problem(
            status_code=500, title="Internal error", detail="An unexpected error occurred.", code="internal_error"
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return problem(
            status_code=response.status_code,
            title="Invalid request",
            detail="The request has invalid fields.",
            code="validation_error",
            errors=errors,
        )
    assert isinstance(exc, exceptions.APIException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    title = str(exc.default_detail)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        title = "Unsupported media type"  # the default is a template; the detail names the type sent
    elif isinstance(exc, exceptions.MethodNotAllowed):
        # The default title is a template ('Method "{method}" not allowed.'), never filled in.
        request = context.get("request")
        title = f"Method {getattr(request, 'method', '')} not allowed"
    result = problem(status_code=response.status_code, title=title, detail=detail, code=str(exc.default_code))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
