"""Idempotency keys for POSTs that create something (the `Idempotency-Key` header).

The first request with a key claims it in its own committed row; the view then runs; its answer
is stored and replayed byte for byte to every retry with the same key and the same body. A
retry with another body is refused, and so is one that arrives while the first is still running.
A claim left behind by a crashed request is taken over after ``STALE_AFTER``: the services the
views call are idempotent on the same key, so taking over never doubles money. Records are
purged once they are older than ``settings.IDEMPOTENCY_RETENTION`` (a daily beat task).

Any context's creating POST uses it the same way (put ``@idempotent`` closest to the method, under
``@extend_schema``)::

    from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent

    class PaymentCreateApi(PartnerApiView):
        @extend_schema(parameters=[IDEMPOTENCY_HEADER_PARAMETER], request=Input, responses={201: Output})
        @idempotent
        def post(self, request: Request) -> Response:
            ...
            payment_id = services.payment_initiate(..., idempotency_key=f"api:{request.idempotency_key}")
            return Response(..., status=201)

Answers: a missing or malformed key 400 ``idempotency_key_missing``; the same key with another body
422 ``idempotency_key_reused``; while the first is running 409 ``idempotency_request_in_progress``;
a completed one is replayed with its status and body and ``Idempotent-Replayed: true``. Keys are
scoped per client (``request_owner``: a partner application, else a user).

As Stripe's keys: an answer is stored only once the request was taken up by the business rules.
What frees the key and what is its answer is decided in one place, ``stored_refusal``:

- a request error frees it, so the corrected body may be sent with the same key: the body's
  shape (a serializer's ``ValidationError``, malformed JSON) or a service's refusal of an input as
  sent (a ``DomainError`` with ``input_error``: an IBAN's check digits, too many decimals, a date in
  the past, an account id naming none of the caller's). Nothing was written;
- a business refusal is the key's answer and is replayed: a ``DomainError`` the rules decided on
  the state of things (funds, limits, the payee, a status, a consent), whether it names a field
  or not (stored as the problem DRF then renders, and raised on);
- anything else raised (a crash, a 404 or 403 before anything ran), a 5xx, or a request refused
  as in flight frees it too, so the retried request runs.

A view raises its request errors and refusals rather than answering them itself; what it returns
below 500 is the key's answer.
Pass the key (prefixed by the owner if the service's keys are global) to the service so a
takeover of an abandoned claim cannot move money twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from bankcore.api.errors import domain_problem, problem
from bankcore.api.models import IdempotencyRecord
from bankcore.errors import DomainError

HEADER = "Idempotency-Key"
STALE_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
PURGE_CHUNK = 10_000

View = TypeVar("View", bound=Callable[..., Response])

# Printable ASCII, no space at either end: what every HTTP stack carries unchanged (a UUID fits).
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)

IDEMPOTENCY_HEADER_PARAMETER = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=True,
    description="A unique key per request (1 to 255 printable ASCII characters, a UUID for example); "
    "a retry sends the same key and gets the first answer. Kept at least 24 hours (30 days by default).",
    examples=[OpenApiExample("A UUID", value="6f1f9e2e-8a51-4a5e-9d53-3b9c1f3c2a10")],
)


def request_owner(request: Request) -> str:
    """Keys are scoped to whoever sent them: one partner can never replay another's answer."""
    application_id = getattr(getattr(request, "auth", None), "application_id", None)
    if application_id is not None:
        return f"app:{application_id}"
    user_id = getattr(request.user, "pk", None)
    return f"user:{user_id}" if user_id is not None else "anonymous"


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.body, status=record.status_code)
    if record.status_code and record.status_code >= 400:
        response.content_type = "application/problem+json"
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(*, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    """Claim the key (committed at once), or answer from the record already there."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(owner=owner, key=key, fingerprint=fingerprint, created_at=now)
    except IntegrityError:
        pass
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().get(owner=owner, key=key)
        if record.fingerprint != fingerprint:
            return problem(
                status_code=422,
                title="Idempotency key reused",
                code="idempotency_key_reused",
                detail="This Idempotency-Key was used for a different request.",
            )
        if record.state == IdempotencyRecord.State.DONE:
            return _replay(record)
        if now - record.created_at < STALE_AFTER:
            return problem(
                status_code=409,
                title="Request in progress",
                code="idempotency_request_in_progress",
                detail="A request with this Idempotency-Key is still being processed; retry later.",
            )
        record.created_at = now  # take over an abandoned claim
        record.save(update_fields=["created_at"])
        return record


def idempotent(view: View) -> View:
    """Decorate an APIView's ``post``: requires the header; ``request.idempotency_key`` is set."""

    @functools.wraps(view)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "")
        if _KEY.fullmatch(key) is None:
            return problem(
                status_code=400,
                title="Idempotency-Key required",
                code="idempotency_key_missing",
                detail=f"Send a unique {HEADER} header (1 to {MAX_KEY_LENGTH} printable ASCII characters).",
            )
        claimed = _claim(owner=request_owner(request), key=key, fingerprint=request_fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        request.idempotency_key = key  # type: ignore[attr-defined]
        try:
            response = view(self, request, *args, **kwargs)
        except Exception as raised:
            refusal = stored_refusal(raised)
            if refusal is None:
                claimed.delete()  # nothing was stored for this key; let the client retry it
            else:
                _complete(claimed, refusal)  # DRF's handler renders the same problem
            raise
        _complete(claimed, response)
        return response

    return wrapper  # type: ignore[return-value]


def stored_refusal(raised: Exception) -> Response | None:
    """The key's answer to what the view raised, or None when the key is freed (module docstring).

    Only a business refusal is an answer: a ``DomainError`` that is no ``input_error``. A request
    error (DRF's ``ValidationError`` or ``ParseError``, an input ``DomainError``, an id that names
    nothing of the caller's: 404, or something it may not touch: 403) frees the key for the
    corrected body, and anything else raised frees it for the retry.
    """
    if isinstance(raised, DomainError) and not raised.input_error and raised.status_code in _ANSWERS:
        return domain_problem(raised)
    return None


# The statuses of a refusal that is the key's answer: any 4xx but 404 and 403, which say the
# request named something that is none of the caller's, or that it may not touch.
_ANSWERS = frozenset(range(400, 500)) - {403, 404}


def _complete(claimed: IdempotencyRecord, response: Response) -> None:
    """Store the answer for replay, or free the key when the request crashed."""
    if response.status_code >= 500:
        claimed.delete()
        return
    claimed.state = IdempotencyRecord.State.DONE
    claimed.status_code = response.status_code
    claimed.body = response.data
    claimed.completed_at = timezone.now()
    claimed.save(update_fields=["state", "status_code", "body", "completed_at"])


def idempotency_records_purge(*, now: datetime) -> int:
    """Delete the records claimed before the retention period; returns how many went.

    In chunks, each its own short transaction, so a large backlog never holds one long lock.
    """
    cutoff = now - settings.IDEMPOTENCY_RETENTION
    purged = 0
    while True:
        chunk = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff)
            .order_by("id")
            .values_list("id", flat=True)[:PURGE_CHUNK]
        )
        if not chunk:
            return purged
        purged += IdempotencyRecord.objects.filter(id__in=chunk).delete()[0]
