"""RFC 9457 problem details for every API error, including validation and unexpected ones."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from bankcore.errors import DomainError
from bankcore.money import MoneyError

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://bankcore.dev/problems/"


def problem(*, status_code: int, title: str, detail: str, code: str, errors: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return problem(status_code=exc.status_code, title="Request refused", detail=str(exc), code=exc.code)
    if isinstance(exc, MoneyError):
        return problem(status_code=422, title="Invalid amount", detail=str(exc), code=exc.code)
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
    result = problem(
        status_code=response.status_code, title=str(exc.default_detail), detail=detail, code=str(exc.default_code)
    )
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
