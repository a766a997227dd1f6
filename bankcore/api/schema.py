"""One shape for every context's endpoints in the OpenAPI document, whichever app serves them.

The views declare what is theirs (request, success response, examples); this hook adds what is
the same everywhere, so no endpoint can forget it: a tag per resource, the problem+json answers
each kind of operation can give, and the links that let a client (or Schemathesis) follow a
created object to its own URL.
"""

from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from bankcore.api.schema_examples import EXAMPLES
from bankcore.http import PROBLEM_CONTENT_TYPE, TYPE_BASE

API_PREFIX = "/api/v1/"

# The one shape of ``errors`` everywhere (bankcore.api.errors): DRF's for a nested serializer.
VALIDATION_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "The messages by field, nested as the body is: a field's messages as a list of strings, a nested "
        'object\'s fields in an object of the same shape (`{"creditor": {"iban": ["…"]}}`, not a '
        "dotted `creditor.iban` key), the items of a list by their index. Messages about a body or a "
        "nested object as a whole are under its `non_field_errors`."
    ),
    "additionalProperties": {
        "anyOf": [
            {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/ValidationErrors"}]},
            },
            {"$ref": "#/components/schemas/ValidationErrors"},
        ]
    },
    "examples": [
        {
            "amount": ['Send the amount as a string of decimal major units, e.g. "12.50".'],
            "creditor": {"iban": ["This IBAN's check digits are wrong: check it for a typo."]},
        }
    ],
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, with a stable machine-readable `code`.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "$ref": "#/components/schemas/ValidationErrors",
            "description": "For a request refused by field (validation, or a refusal naming its inputs).",
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}

_TITLES = {
    400: ("Invalid request", "validation_error", "The request has invalid fields."),
    401: ("Authentication required", "not_authenticated", "Send a valid bearer token."),
    403: ("Permission denied", "permission_denied", "This needs the payments:write scope."),
    404: ("Not found", "not_found", "No such object (or not one this partner may see)."),
    405: ("Method not allowed", "method_not_allowed", 'Method "PUT" not allowed.'),
    406: ("Not acceptable", "not_acceptable", "Could not satisfy the request Accept header."),
    409: ("Request in progress", "idempotency_request_in_progress", "Retry later with the same key."),
    413: ("Request too large", "request_too_large", "The request body is over the limit of 2621440 bytes."),
    415: ("Unsupported media type", "unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    422: ("Request refused", "insufficient_funds", "The account does not hold enough money."),
    429: ("Request was throttled", "throttled", "Expected available in 30 seconds."),
}

_DESCRIPTIONS = {
    400: "Malformed JSON, invalid or unknown fields, a bad cursor, or a missing Idempotency-Key.",
    401: "No token, or one that is unknown, expired or revoked.",
    403: "The token lacks a scope this operation needs.",
    404: "No such object, or one this partner may not see.",
    405: "The path does not take this method.",
    406: "The Accept header asks for something other than JSON.",
    409: "A request with this Idempotency-Key is still running.",
    413: "The body is over the size limit.",
    415: "The body is not application/json.",
    422: "The request is understood but refused (its `code` says why), or the key was reused with another body.",
    429: "Too many requests (see Retry-After), or a consent's reads for today are used up.",
}

_ALWAYS = (401, 403, 404, 405, 406, 429)
_WITH_BODY = (400, 409, 413, 415, 422)
_WITH_QUERY = (400,)

# The creating POST → the operations that take the created object's id, and the path parameter.
_LINKS: dict[str, tuple[str, list[str]]] = {
    "v1_payments_create": ("payment_id", ["v1_payments_retrieve", "v1_payments_cancel"]),
    "v1_consents_create": ("consent_id", ["v1_consents_retrieve", "v1_consents_destroy"]),
    "v1_webhook_endpoints_create": (
        "endpoint_id",
        [
            "v1_webhook_endpoints_retrieve",
            "v1_webhook_endpoints_partial_update",
            "v1_webhook_endpoints_rotate_secret",
            "v1_webhook_endpoints_deliveries_list",
            "v1_webhook_endpoints_destroy",
        ],
    ),
    "v1_wallet_transfers_create": ("transfer_id", ["v1_wallet_transfers_retrieve"]),
}


# POSTs that change no state take no Idempotency-Key (a retry just asks again), each with the
# reason its schema gives; every other POST requires one (tests/bankcore/api/test_api_edges.py).
IDEMPOTENCY_EXEMPT: dict[str, str] = {
    "v1_screening_names_screen": (
        "Screening changes no state, so this POST takes no Idempotency-Key: a retry screens again, "
        "against the list as it is then."
    ),
}


def _problem_response(status: int) -> dict[str, Any]:
    title, code, detail = _TITLES[status]
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {
            PROBLEM_CONTENT_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {
                    "type": TYPE_BASE + code.replace("_", "-"),
                    "title": title,
                    "status": status,
                    "detail": detail,
                    "code": code,
                    **({"errors": VALIDATION_ERRORS_SCHEMA["examples"][0]} if status == 400 else {}),
                },
            }
        },
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
        }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"description": "The scheme to authenticate with.", "schema": {"type": "string"}}
        }
    return response


def _tag(path: str) -> str:
    return path.removeprefix(API_PREFIX).split("/", 1)[0] or "partner"


def _error_statuses(method: str, operation: dict[str, Any]) -> tuple[int, ...]:
    statuses: tuple[int, ...] = _ALWAYS
    if method in ("post", "patch", "put"):
        statuses += _WITH_BODY
    elif method == "delete":
        statuses += (422,)  # ending something that has ended already (a consent no longer in force)
    elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses += _WITH_QUERY
    return statuses


def _links(operation_id: str) -> dict[str, Any]:
    parameter, targets = _LINKS[operation_id]
    return {target: {"operationId": target, "parameters": {parameter: "$response.body#/id"}} for target in targets}


def _add_examples(operation: dict[str, Any], operation_id: str) -> None:
    request, responses = EXAMPLES.get(operation_id, (None, {}))
    if request is not None:
        for media in operation.get("requestBody", {}).get("content", {}).values():
            media.setdefault("example", request)
    for status, example in responses.items():
        for media in operation.get("responses", {}).get(status, {}).get("content", {}).values():
            media.setdefault("example", example)


def _operation_id(path: str, method: str, operation_id: str) -> str:
    # An action on an object (``payments/{id}/cancel/``) is named by its verb, not "…_cancel_create".
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if method == "post" and "{" in path and not last.startswith("{"):
        return operation_id.removesuffix("_create")
    return operation_id


def partner_api_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    from bankcore.api.partner import PartnerApiView  # the hook runs after the apps are loaded

    inherited = inspect.getdoc(PartnerApiView)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ValidationErrors"] = VALIDATION_ERRORS_SCHEMA
    tags: set[str] = set()
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if operation.get("description") == inherited:
                del operation["description"]
            operation["operationId"] = _operation_id(path, method, operation.get("operationId", ""))
            tag = _tag(path)
            tags.add(tag)
            operation["tags"] = [tag]
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(method, operation):
                responses.setdefault(str(status), _problem_response(status))
            operation_id = operation.get("operationId", "")
            _add_examples(operation, operation_id)
            if operation_id in IDEMPOTENCY_EXEMPT:
                described = operation.get("description", "")
                operation["description"] = f"{described}\n\n{IDEMPOTENCY_EXEMPT[operation_id]}".strip()
            if operation_id in _LINKS:
                created = next((responses[s] for s in ("201", "200") if s in responses), None)
                if created is not None:
                    created["links"] = _links(operation_id)
    result["tags"] = [{"name": tag} for tag in sorted(tags)]
    return result


def _is_page(responses: Any) -> bool:
    found = responses.get(200) if isinstance(responses, dict) else responses
    if isinstance(found, type) and issubclass(found, serializers.BaseSerializer):
        found = found()
    fields = getattr(found, "fields", None)
    return fields is not None and {"results", "next"} <= set(fields)


class PartnerAutoSchema(AutoSchema):
    """A GET answering a page is a ``…_list`` operation, as a list of items would be."""

    def get_operation_id(self) -> str:
        operation_id: str = super().get_operation_id()
        if self.method == "GET" and operation_id.endswith("_retrieve") and _is_page(self.get_response_serializers()):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
