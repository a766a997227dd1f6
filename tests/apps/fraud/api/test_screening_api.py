"""``POST /api/v1/screening/names/``: the real OFAC list behind it, bad input refused, scope required."""

from __future__ import annotations

import json
from typing import Any

import pytest
import structlog
from django.test import Client
from oauth2_provider.models import AccessToken

from bankcore.api.models import IdempotencyRecord
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/screening/names/"
PROBLEM = "application/problem+json"


@pytest.fixture
def token() -> AccessToken:
    grant = PartnerGrantFactory(scopes="screening:read")
    return AccessTokenFactory(application=grant.application, scope="screening:read")


def _screen(client: Client, token: AccessToken | None, body: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"} if token is not None else {}
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json", **headers)


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = json.loads(response.content)
    return body


def test_a_listed_name_is_a_hit_with_its_reason(client: Client, token: AccessToken, ofac: None) -> None:
    body = _ok(_screen(client, token, {"name": "Ayman al-Zawahiri"}))
    top = body["hits"][0]
    assert (top["list"], top["entry_id"], top["score"]) == ("ofac", "2676", "1.00")
    assert "ZAWAHIRI" in top["name"].upper()
    assert "zawahiri" in top["why"]
    assert set(top) == {"list", "entry_id", "name", "score", "why"}, "only the list's public fields"
    assert body["threshold"] == "0.84"
    assert body["screened_at"]


def test_an_alias_with_its_kind_and_a_contradicting_birth_year(client: Client, token: AccessToken, ofac: None) -> None:
    agrees = _ok(_screen(client, token, {"name": "Ayman al-Zawahiri", "kind": "person", "birth_year": 1951}))
    contradicts = _ok(_screen(client, token, {"name": "Ayman al-Zawahiri", "kind": "person", "birth_year": 1990}))
    assert agrees["hits"][0]["score"] == "1.00"
    assert "agrees" in agrees["hits"][0]["why"]
    assert contradicts["hits"][0]["score"] == "0.90"
    assert _ok(_screen(client, token, {"name": "Ayman al-Zawahiri", "kind": "vessel"}))["hits"] == []


def test_a_vessel_by_its_imo_number_whatever_its_name(client: Client, token: AccessToken, ofac: None) -> None:
    renamed = _ok(_screen(client, token, {"name": "Sea Breeze", "kind": "vessel", "imo": "IMO 9187629"}))
    assert [(h["entry_id"], h["name"]) for h in renamed["hits"]] == [("15036", "ARTAVIL")]
    assert "IMO 9187629" in renamed["hits"][0]["why"]
    # The same name with another vessel's number: that vessel, not this one.
    other = _ok(_screen(client, token, {"name": "Artavil", "kind": "vessel", "imo": "9187655"}))
    assert [h["name"] for h in other["hits"]] == ["ARK"]


def test_an_ordinary_name_is_no_hit(client: Client, token: AccessToken, ofac: None) -> None:
    body = _ok(_screen(client, token, {"name": "  Margarethe Oberhuber  ", "country": "AT"}))
    assert body["hits"] == []


def test_screening_writes_nothing_and_logs_who_without_the_name(client: Client, token: AccessToken, ofac: None) -> None:
    with structlog.testing.capture_logs() as logs:
        _ok(_screen(client, token, {"name": "Osama bin Laden"}))
    (line,) = [entry for entry in logs if entry["event"] == "partner_name_screened"]
    assert line["partner_application_id"] == token.application_id
    assert line["hits"] >= 1
    assert "laden" not in json.dumps(line, default=str).lower()
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Jane\u0000Doe"}, "name"),
        ({"name": "Jane\u0007Doe"}, "name"),
        ({"name": "Jane Doe", "kind": "ship"}, "kind"),
        ({"name": " " + "x" * 200}, "name"),
        ({"name": "Jane Doe", "birth_year": "1951"}, "birth_year"),
        ({"name": "Jane Doe", "birth_year": True}, "birth_year"),
        ({"name": "Jane Doe", "birth_year": 1200}, "birth_year"),
        ({"name": "Jane Doe", "country": "Austria"}, "country"),
        ({"name": "Jane Doe", "notes": "vip"}, "notes"),
        ({"name": "Artavil", "imo": "9187628"}, "imo"),  # the check digit is 9
        ({"name": "Artavil", "imo": "918762"}, "imo"),
        ({"name": "Artavil", "imo": 9187629}, "imo"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(
    client: Client, token: AccessToken, body: dict[str, Any], field: str
) -> None:
    response = _screen(client, token, body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in json.loads(response.content)["errors"]


def test_a_name_of_200_characters_is_screened(client: Client, token: AccessToken) -> None:
    assert _ok(_screen(client, token, {"name": "a" * 200}))["hits"] == []


@pytest.mark.parametrize("raw", ["not json", "[]", '"Jane Doe"'])
def test_a_body_that_is_no_object_is_a_400_problem(client: Client, token: AccessToken, raw: str) -> None:
    response = _screen(client, token, raw)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM


def test_no_token_is_401_and_another_scope_is_403(client: Client) -> None:
    assert _screen(client, None, {"name": "Jane Doe"}).status_code == 401
    grant = PartnerGrantFactory()
    lacking = AccessTokenFactory(application=grant.application)  # every scope but screening:read
    response = _screen(client, lacking, {"name": "Jane Doe"})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
