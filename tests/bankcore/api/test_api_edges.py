"""Bad input at the real endpoints: the right problem+json status, and nothing written.

And the contract around it: every creating POST in the schema refuses a missing Idempotency-Key,
the schema validates without a warning, and /o/token/ keeps OAuth2's own error bodies.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import jsonschema
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import AccessToken
from oauth2_provider.settings import oauth2_settings

from apps.payments.models import Payment
from bankcore.api.models import IdempotencyRecord
from bankcore.api.schema import IDEMPOTENCY_EXEMPT
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME
from tests.bankcore.api.factories import AccessTokenFactory, SandboxLike, sandbox_like_partner

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/payments/"
PROBLEM = "application/problem+json"


@pytest.fixture
def partner() -> SandboxLike:
    return sandbox_like_partner()


@pytest.fixture
def token(partner: SandboxLike) -> AccessToken:
    return AccessTokenFactory(application_id=partner.application_id, scope=" ".join(oauth2_settings.SCOPES))


def _payment(partner: SandboxLike, **changes: Any) -> dict[str, Any]:
    return {
        "source_account": str(partner.acme.account.pk),
        "amount": "12.50",
        "currency": "EUR",
        "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
        "reference": "Invoice 7",
    } | changes


def _post(client: Client, token: AccessToken | None, body: Any, *, url: str = PAYMENTS, **headers: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    extra = {"HTTP_IDEMPOTENCY_KEY": "key-1", **headers}
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token.token}"
    content_type = extra.pop("content_type", "application/json")
    return client.post(url, raw, content_type=content_type, **extra)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


def _nothing_written() -> None:
    assert Payment.objects.count() == 0
    assert not IdempotencyRecord.objects.filter(state=IdempotencyRecord.State.DONE).exists()


class TestBadBodies:
    def test_malformed_json_is_400(self, client: Client, token: AccessToken) -> None:
        _problem(_post(client, token, '{"amount": "12.50",'), 400)
        _nothing_written()

    def test_wrong_types_are_400_by_field(self, client: Client, token: AccessToken, partner: SandboxLike) -> None:
        body = _problem(_post(client, token, _payment(partner, instant="maybe", creditor="Max")), 400)
        assert {"instant", "creditor"} <= set(body["errors"])
        _nothing_written()

    def test_unknown_fields_are_refused_not_ignored(
        self, client: Client, token: AccessToken, partner: SandboxLike
    ) -> None:
        body = _problem(_post(client, token, _payment(partner, fee="0.00")), 400)
        assert "fee" in body["errors"]
        _nothing_written()

    def test_an_amount_as_a_json_number_is_refused(
        self, client: Client, token: AccessToken, partner: SandboxLike
    ) -> None:
        body = _problem(_post(client, token, _payment(partner, amount=12.5)), 400)
        assert "amount" in body["errors"]
        _nothing_written()

    def test_too_many_decimals_are_refused(self, client: Client, token: AccessToken, partner: SandboxLike) -> None:
        response = _post(client, token, _payment(partner, amount="12.505"))
        assert _problem(response, 422)["code"] == "too_many_decimals"
        _nothing_written()
        # A refusal by field stores no answer: the corrected body is paid under the same key.
        corrected = _post(client, token, _payment(partner, amount="12.50"))
        assert corrected.status_code == 201, corrected.content
        assert Payment.objects.count() == 1

    def test_a_body_that_is_not_json_is_415(self, client: Client, token: AccessToken, partner: SandboxLike) -> None:
        _problem(_post(client, token, "amount=12.50", content_type="text/plain"), 415)
        _nothing_written()

    def test_a_huge_body_is_413(self, client: Client, token: AccessToken, partner: SandboxLike) -> None:
        _problem(_post(client, token, _payment(partner, reference="x" * (3 * 1024 * 1024))), 413)
        _nothing_written()

    def test_a_bad_cursor_is_400(self, client: Client, token: AccessToken, partner: SandboxLike) -> None:
        url = f"/api/v1/accounts/acc_{partner.acme.account.pk}/transactions/?cursor=not-ours"
        body = _problem(client.get(url, HTTP_AUTHORIZATION=f"Bearer {token.token}"), 400)
        assert "cursor" in body["errors"]


class TestRefusedCallers:
    def test_no_token_is_401(self, client: Client, partner: SandboxLike) -> None:
        _problem(_post(client, None, _payment(partner)), 401)
        _nothing_written()

    def test_an_expired_token_is_401(self, client: Client, partner: SandboxLike) -> None:
        expired = AccessTokenFactory(
            application_id=partner.application_id, expires=datetime.now(UTC) - timedelta(seconds=1)
        )
        assert _problem(_post(client, expired, _payment(partner)), 401)["code"] == "invalid_token"
        _nothing_written()

    def test_a_revoked_token_is_401(self, client: Client, partner: SandboxLike) -> None:
        revoked = AccessTokenFactory(application_id=partner.application_id)
        secret = revoked.token
        revoked.revoke()
        revoked.token = secret
        assert _problem(_post(client, revoked, _payment(partner)), 401)["code"] == "invalid_token"
        _nothing_written()

    def test_a_missing_scope_is_403(self, client: Client, partner: SandboxLike) -> None:
        reader = AccessTokenFactory(application_id=partner.application_id, scope="payments:read")
        _problem(_post(client, reader, _payment(partner)), 403)
        _nothing_written()

    def test_throttled_is_429_with_retry_after(self, client: Client, settings: Any, token: AccessToken) -> None:
        settings.API_THROTTLE_RATES = {"anon": "1/min", "user": "1/min"}
        cache.clear()
        try:
            client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.token}")
            response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.token}")
        finally:
            cache.clear()
        _problem(response, 429)
        assert int(response["Retry-After"]) > 0


class TestOtherAnswers:
    def test_an_unknown_url_under_api_is_404(self, client: Client) -> None:
        _problem(client.get("/api/v1/no-such-resource/"), 404)
        _problem(client.get("/api/nothing-here"), 404)

    def test_a_method_the_path_does_not_take_is_405(self, client: Client, token: AccessToken) -> None:
        response = client.put(
            PAYMENTS, "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.token}"
        )
        _problem(response, 405)
        assert "POST" in response["Allow"]

    def test_asking_for_html_is_406(self, client: Client, token: AccessToken) -> None:
        response = client.get(PAYMENTS, HTTP_ACCEPT="text/html", HTTP_AUTHORIZATION=f"Bearer {token.token}")
        _problem(response, 406)

    @pytest.mark.parametrize("accept", ["application/problem+json", "application/problem+json; q=0.9"])
    def test_accepting_only_problem_json_is_served(self, client: Client, token: AccessToken, accept: str) -> None:
        # Errors are problem+json and the rest JSON: a client that names the problem type reads both.
        auth = f"Bearer {token.token}"
        found = client.get(PAYMENTS, HTTP_ACCEPT=accept, HTTP_AUTHORIZATION=auth)
        assert (found.status_code, found["Content-Type"]) == (200, "application/json")
        assert found.json()["results"] == []
        _problem(client.get(f"{PAYMENTS}no-such-payment/", HTTP_ACCEPT=accept, HTTP_AUTHORIZATION=auth), 404)

    @pytest.mark.parametrize("accept", ["application/xml", "text/plain", "application/problem+xml"])
    def test_other_types_are_still_406(self, client: Client, token: AccessToken, accept: str) -> None:
        _problem(client.get(PAYMENTS, HTTP_ACCEPT=accept, HTTP_AUTHORIZATION=f"Bearer {token.token}"), 406)

    def test_a_crash_is_a_500_problem_without_a_traceback(
        self, client: Client, token: AccessToken, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from apps.payments import selectors

        def boom(**_: Any) -> Any:
            raise RuntimeError("secret internals")

        monkeypatch.setattr(selectors, "payment_page_of_partner", boom)
        response = client.get(PAYMENTS, HTTP_AUTHORIZATION=f"Bearer {token.token}")
        body = _problem(response, 500)
        assert "secret internals" not in response.content.decode()
        assert "Traceback" not in response.content.decode()
        assert body["code"] == "internal_error"

    def test_the_token_endpoint_keeps_oauth2_error_bodies(self, client: Client, partner: SandboxLike) -> None:
        basic = base64.b64encode(f"{partner.client_id}:wrong".encode()).decode()
        response = client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content) == {"error": "invalid_client"}


def _schema() -> dict[str, Any]:
    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", "--validate", "--fail-on-warn", stdout=out)
    schema: dict[str, Any] = json.loads(out.getvalue())
    return schema


class TestSchemaContract:
    def test_the_schema_validates_without_warnings_as_openapi_3_1(self) -> None:
        schema = _schema()
        assert schema["openapi"] == "3.1.0"
        flow = schema["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
        assert flow["tokenUrl"] == "/o/token/"
        assert set(flow["scopes"]) == set(oauth2_settings.SCOPES)

    def test_every_operation_has_a_tag_a_unique_id_and_problem_errors(self) -> None:
        seen: set[str] = set()
        for path, item in _schema()["paths"].items():
            for method, operation in item.items():
                assert operation["operationId"] not in seen
                seen.add(operation["operationId"])
                assert operation["tags"], (method, path)
                for status in ("401", "403", "404", "429"):
                    assert PROBLEM in operation["responses"][status]["content"], (method, path, status)
                if method in ("post", "patch"):
                    for status in ("400", "413", "415", "422"):
                        assert status in operation["responses"], (method, path, status)

    def test_every_post_takes_a_required_idempotency_key_and_refuses_its_absence(
        self, client: Client, token: AccessToken
    ) -> None:
        posts = [
            path
            for path, item in _schema()["paths"].items()
            if "post" in item and item["post"]["operationId"] not in IDEMPOTENCY_EXEMPT
        ]
        assert len(posts) >= 6
        for path in posts:
            parameters = _schema()["paths"][path]["post"].get("parameters", [])
            assert any(p["name"] == "Idempotency-Key" and p["required"] for p in parameters), path
            url = path.replace("{", "").replace("}", "")  # any id: the key is checked first
            response = client.post(
                url, "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.token}"
            )
            assert _problem(response, 400)["code"] == "idempotency_key_missing", path
        assert IdempotencyRecord.objects.count() == 0

    def test_a_post_that_changes_nothing_takes_no_key_and_its_schema_says_why(
        self, client: Client, token: AccessToken
    ) -> None:
        exempt = {
            path: item["post"]
            for path, item in _schema()["paths"].items()
            if "post" in item and item["post"]["operationId"] in IDEMPOTENCY_EXEMPT
        }
        assert set(exempt) == {"/api/v1/screening/names/"}, "the exemption list is short and deliberate"
        for path, operation in exempt.items():
            assert IDEMPOTENCY_EXEMPT[operation["operationId"]] in operation["description"]
            assert not any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
            bearer = f"Bearer {token.token}"
            response = client.post(
                path, '{"name": "Jane Doe"}', content_type="application/json", HTTP_AUTHORIZATION=bearer
            )
            assert response.status_code == 200, response.content
        assert IdempotencyRecord.objects.count() == 0

    def test_the_served_schema_uses_no_openapi_3_0_keyword(self, client: Client) -> None:
        # OpenAPI 3.1 says "may be null" as a type list; a 3.0 ``nullable`` is no keyword there.
        response = client.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert schema["openapi"].startswith("3.1")

        def nullable_at(node: Any, path: str) -> list[str]:
            if isinstance(node, dict):
                here = [path] if "nullable" in node else []
                return here + [found for key, value in node.items() for found in nullable_at(value, f"{path}/{key}")]
            if isinstance(node, list):
                return [found for n, value in enumerate(node) for found in nullable_at(value, f"{path}/{n}")]
            return []

        assert nullable_at(schema, "#") == []
        vop = schema["components"]["schemas"]["VerificationOfPayee"]["properties"]
        assert vop["result"]["type"] == vop["matched_name"]["type"] == ["string", "null"]

    def test_every_operation_shows_an_example_its_own_schema_accepts(self) -> None:
        schema = _schema()
        components = schema["components"]
        missing: list[str] = []
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                bodies = [("request", operation.get("requestBody", {}).get("content", {}))]
                bodies += [(status, r.get("content", {})) for status, r in operation["responses"].items()]
                for where, content in bodies:
                    if where != "request" and not where.startswith("2"):
                        continue  # errors share the one Problem shape, documented once
                    for media_type, media in content.items():
                        if "json" not in media_type:
                            continue
                        examples = [e["value"] for e in media.get("examples", {}).values()]
                        examples += [media["example"]] if "example" in media else []
                        if not examples:
                            missing.append(f"{method.upper()} {path} {where}")
                        validator = jsonschema.Draft202012Validator({**media["schema"], "components": components})
                        for example in examples:
                            errors = [e.message for e in validator.iter_errors(example)]
                            assert not errors, (method, path, where, errors)
        assert missing == []
