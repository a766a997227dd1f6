"""One shape of ``errors`` for the whole API, at every resource's real endpoint, and the schema says it.

Each row sends one bad request: a serializer's own error, or a service's refusal naming its input.
Either way a nested input is named nested, ``{"creditor": {"iban": [...]}}``, never by a dotted
key, and the body fits the served schema's ``Problem`` component.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from django.test import Client
from oauth2_provider.models import AccessToken
from oauth2_provider.settings import oauth2_settings

from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME
from tests.bankcore.api.factories import AccessTokenFactory, SandboxLike, sandbox_like_partner
from tests.bankcore.api.problems import field_paths

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Bad:
    """A bad request to one resource and the problem it must give."""

    method: str
    path: str  # under /api/v1/; ``{acc}`` is the partner's account id
    body: Callable[[SandboxLike], Any] | None
    status: int
    code: str
    field: str  # dotted, as the test reads it; the wire nests it


def _payment(partner: SandboxLike, **changes: Any) -> dict[str, Any]:
    return {
        "source_account": str(partner.acme.account.pk),
        "amount": "12.50",
        "currency": "EUR",
        "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
        "reference": "Invoice 7",
    } | changes


def _transfer(**changes: Any) -> dict[str, Any]:
    return {"source_wallet": "1", "recipient": {"email": "bob@example.com"}, "amount": "1.00", "currency": "EUR"} | (
        changes
    )


def _access(partner: SandboxLike, **changes: Any) -> dict[str, Any]:
    access = {"accounts": [f"acc_{partner.alice.account.pk}"], "balances": True}
    return {"access": access, "valid_until": "2099-01-01", "frequency_per_day": 4} | changes


CASES: dict[str, Bad] = {
    "payments: a serializer's nested field": Bad(
        "post", "payments/", lambda p: _payment(p, creditor={"name": "X", "iban": ["x"]}), 400, "validation_error",
        "creditor.iban",
    ),
    "payments: the service refuses a nested field": Bad(
        "post", "payments/", lambda p: _payment(p, creditor={"name": "X", "iban": "DE89370400440532013001"}), 422,
        "iban_checksum", "creditor.iban",
    ),
    "payments: the service refuses a top-level field": Bad(
        "post", "payments/", lambda p: _payment(p, source_account="999999"), 422, "unknown_account", "source_account"
    ),
    "payments: an unknown field": Bad(
        "post", "payments/", lambda p: _payment(p, fee="1"), 400, "validation_error", "fee"
    ),
    "payments: a bad filter": Bad("get", "payments/?status=nope", None, 400, "invalid_status", "status"),
    "payment-batches: an unknown field": Bad(
        "post", "payment-batches/", lambda p: {"payments": [], "surprise": 1}, 400, "validation_error", "surprise"
    ),
    "payment-batches: the paying account": Bad(
        "post", "payment-batches/",
        lambda p: {"source_account": "999999", "payments": [{"amount": "1.00", "currency": "EUR",
                   "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN}}]},
        422, "unknown_account", "source_account",
    ),
    "consents: a serializer's nested field": Bad(
        "post", "consents/", lambda p: _access(p, access={"accounts": [], "balances": True}), 400, "validation_error",
        "access.accounts",
    ),
    "consents: an account it cannot name": Bad(
        "post", "consents/", lambda p: _access(p, access={"accounts": ["nope"]}), 400, "validation_error",
        "access.accounts",
    ),
    "consents: the service refuses a field": Bad(
        "post", "consents/", lambda p: _access(p, valid_until="2099-01-01"), 422, "consent_valid_until_invalid",
        "valid_until",
    ),
    "consents: a payment's nested field": Bad(
        "post", "consents/",
        lambda p: {"payment": {**_payment(p), "creditor": {"name": "X"}}}, 400, "validation_error",
        "payment.creditor.iban",
    ),
    "wallet-transfers: a nested field": Bad(
        "post", "wallet-transfers/", lambda p: _transfer(recipient={"wallet": "abc"}), 400, "validation_error",
        "recipient.wallet",
    ),
    "wallet-transfers: a nested object as a whole": Bad(
        "post", "wallet-transfers/", lambda p: _transfer(recipient={}), 400, "validation_error", "recipient"
    ),
    "webhook-endpoints: the service refuses a field": Bad(
        "post", "webhook-endpoints/", lambda p: {"url": "https://partner.example/h", "event_types": ["no.such"]},
        422, "webhook_event_type_unknown", "event_types",
    ),
    "webhook-endpoints: an item of a list": Bad(
        "post", "webhook-endpoints/", lambda p: {"url": "https://partner.example/h", "event_types": ["x" * 101]},
        400, "validation_error", "event_types.0",
    ),
    "screening/names: a field": Bad(
        "post", "screening/names/", lambda p: {"name": ""}, 400, "validation_error", "name"
    ),
    "accounts: a query parameter": Bad(
        "get", "accounts/{acc}/transactions/?booked_from=2026-02-01&booked_to=2026-01-01", None, 400,
        "validation_error", "booked_to",
    ),
}  # fmt: skip


@pytest.fixture
def partner() -> SandboxLike:
    return sandbox_like_partner()


@pytest.fixture
def token(partner: SandboxLike) -> AccessToken:
    return AccessTokenFactory(application_id=partner.application_id, scope=" ".join(oauth2_settings.SCOPES))


@pytest.fixture
def problem_schema(client: Client) -> dict[str, Any]:
    document = client.get("/api/schema/?format=json")
    assert document.status_code == 200
    components = json.loads(document.content)["components"]
    return {"$ref": "#/components/schemas/Problem", "components": components}


def _send(client: Client, token: AccessToken, partner: SandboxLike, bad: Bad) -> Any:
    url = "/api/v1/" + bad.path.format(acc=f"acc_{partner.acme.account.pk}")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    if bad.method == "get":
        return client.get(url, **auth)
    body = json.dumps(bad.body(partner) if bad.body else {})
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="shape-1", **auth)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_resource_names_a_field_at_fault_in_the_one_nested_shape(
    client: Client, token: AccessToken, partner: SandboxLike, problem_schema: dict[str, Any], case: str
) -> None:
    bad = CASES[case]
    response = _send(client, token, partner, bad)
    assert response.status_code == bad.status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = json.loads(response.content)
    assert problem["code"] == bad.code
    assert bad.field in field_paths(problem["errors"])  # fails on any dotted key
    jsonschema.validate(problem, problem_schema)


def test_the_schema_describes_the_nesting(problem_schema: dict[str, Any]) -> None:
    """Messages in lists, nested objects and list items by index fit; a bare message does not."""
    base = {"type": "https://x.example/c", "title": "t", "status": 422, "detail": "d", "code": "c"}
    fits = {"creditor": {"iban": ["No."], "non_field_errors": ["No."]}, "payments": {"0": ["No."]}, "x": [{}]}
    jsonschema.validate({**base, "errors": fits}, problem_schema)
    for wrong in ({"creditor": "No."}, {"creditor": {"iban": "No."}}, {"amount": [1]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, "errors": wrong}, problem_schema)


def test_an_unknown_field_with_a_dot_is_named_as_sent(client: Client, token: AccessToken, partner: SandboxLike) -> None:
    """Only a refusal's field is a path; a name the client sent is echoed as it is, not nested."""
    bad = Bad("post", "payments/", lambda p: _payment(p, **{"creditor.iban": "x"}), 400, "validation_error", "")
    problem = json.loads(_send(client, token, partner, bad).content)
    assert problem["errors"] == {"creditor.iban": ["This field is not part of a payment."]}
