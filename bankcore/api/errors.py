"""RFC 9457 problem details for every API error, including validation and unexpected ones.

``errors`` names the inputs at fault in one shape for the whole API, the one DRF gives a nested
serializer's errors: a field's messages as a list, a nested field inside its parent's object
(``{"creditor": {"iban": ["…"]}}``), a whole nested object's own under ``non_field_errors``
there, a list's items by index. A service's refusal names a nested input dotted
(``DomainError.field = "creditor.iban"``); ``domain_problem`` nests it, never a view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "TYPE_BASE",
    "domain_problem",
    "errors_nested",
    "fields_as_sent",
    "problem",
    "problem_exception_handler",
]

# Where DRF puts the messages about an object as a whole, rather than one of its fields.
WHOLE = "non_field_errors"


class ProblemResponse(Response):
    """Always JSON, whatever the view renders: the schema view would otherwise write a problem as YAML."""

    @property
    def rendered_content(self) -> Any:
        self.accepted_renderer = JSONRenderer()
        self.accepted_media_type = PROBLEM_CONTENT_TYPE
        self.renderer_context = getattr(self, "renderer_context", None) or {}
        return super().rendered_content


def errors_nested(errors: Mapping[str, Any]) -> dict[str, Any]:
    """``errors`` with every dotted name (``creditor.iban``) nested as DRF nests a serializer's own."""
    nested: dict[str, Any] = {}
    for name, messages in errors.items():
        *outer, inner = str(name).split(".")
        at = nested
        for part in outer:
            parent = at.setdefault(part, {})
            if not isinstance(parent, dict):  # the parent was refused as a whole too: that goes inside
                parent = at[part] = {WHOLE: parent}
            at = parent
        value = errors_nested(messages) if isinstance(messages, Mapping) else messages
        if inner not in at:
            at[inner] = value
        elif isinstance(at[inner], dict) and isinstance(value, dict):
            at[inner] = {**at[inner], **value}
        elif isinstance(at[inner], dict):
            at[inner] = {**at[inner], WHOLE: [*at[inner].get(WHOLE, []), *value]}
        elif isinstance(value, dict):
            at[inner] = {WHOLE: at[inner], **value}
        else:
            at[inner] = [*at[inner], *value]
    return nested


def problem(*, status_code: int, title: str, detail: str, code: str, errors: dict[str, Any] | None = None) -> Response:
    """``errors`` as given: nested already (a serializer's), its names no paths (an unknown field
    the client sent may hold a dot)."""
    body = problem_body(status_code=status_code, title=title, detail=detail, code=code, errors=errors)
    return ProblemResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def domain_problem(refused: DomainError) -> Response:
    """A service's refusal; one about inputs names them under ``errors``, nested as a serializer's."""
    return problem(
        status_code=refused.status_code,
        title="Invalid request" if refused.input_error else "Request refused",
        detail=str(refused),
        code=refused.code,
        errors=errors_nested(refused.field_errors()) or None,
    )


@contextmanager
def fields_as_sent(
    names: Mapping[str, str], *, refusals: type[DomainError] | tuple[type[DomainError], ...] = DomainError
) -> Iterator[None]:
    """Name a service's refusal by the body's field rather than the service's argument.

    ``names`` maps the service's ``field`` to the body's, dotted when nested
    (``{"creditor_iban": "creditor.iban"}``); ``""`` names the field of a refusal that names
    none. Only ``refusals`` of these kinds are renamed. The refusal is raised on, for the
    exception handler (and the idempotency record) to answer it as any other.
    """
    try:
        yield
    except refusals as refused:
        renamed = names.get(refused.field)
        if renamed is not None:
            refused.field = renamed
        raise


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
        errors = exc.detail if isinstance(exc.detail, dict) else {WHOLE: exc.detail}
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
