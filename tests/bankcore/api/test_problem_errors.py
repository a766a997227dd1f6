"""Every API error is RFC 9457 problem+json, including validation, refusals and crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.test import Client
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from bankcore.api.errors import problem_exception_handler
from bankcore.errors import DomainError
from bankcore.money import Money


class InsufficientFunds(DomainError):
    """Not enough money on the account."""

    code = "insufficient_funds"


class Probe(APIView):
    permission_classes = [AllowAny]

    class Input(serializers.Serializer[Any]):
        amount = serializers.CharField()
        currency = serializers.CharField(max_length=3)

    def post(self, request: Request) -> Response:
        what = request.query_params.get("what")
        if what == "refused":
            raise InsufficientFunds()
        if what == "money":
            Money.of(request.data["amount"], request.data["currency"])
        if what == "missing":
            raise Http404("no such payment")
        if what == "suspicious":
            raise SuspiciousOperation("forged session cookie")
        if what == "outage":
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379")
        if what == "crash":
            raise RuntimeError("bug")
        self.Input(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


def call(what: str, data: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    request = APIRequestFactory().post(f"/probe?what={what}", data, format="json")
    response = Probe.as_view()(request)
    response.render()
    return response.status_code, response["Content-Type"], json.loads(response.content)


def test_validation_errors_are_listed_by_field() -> None:
    status, content_type, body = call("validate", {"amount": "1.00"})
    assert status == 400
    assert content_type == "application/problem+json"
    assert body["title"] == "Invalid request"
    assert body["status"] == 400
    assert set(body["errors"]) == {"currency"}
    assert body["type"].endswith("/validation-error")


def test_domain_refusal_carries_its_code() -> None:
    status, _, body = call("refused", {})
    assert status == 422
    assert body["code"] == "insufficient_funds"
    assert body["detail"] == "Not enough money on the account."


@pytest.mark.parametrize(("amount", "code"), [("1.005", "too_many_decimals"), ("abc", "invalid_amount")])
def test_bad_amounts_are_422_with_the_money_code(amount: str, code: str) -> None:
    status, _, body = call("money", {"amount": amount, "currency": "EUR"})
    assert status == 422
    assert body["code"] == code


def test_not_found_and_unexpected_errors_are_problems_too() -> None:
    status, content_type, body = call("missing", {})
    assert (status, content_type, body["status"]) == (404, "application/problem+json", 404)
    status, _, body = call("crash", {})
    assert status == 500
    assert body["detail"] == "An unexpected error occurred."  # no internals leak


class TestWhatOnceWasA500:
    """Requests the review sent that crashed or answered in the wrong shape."""

    @pytest.mark.django_db
    @pytest.mark.parametrize("url", ["/api/v1/me/", "/api/schema/", "/api/docs/"])
    def test_a_3mb_json_body_is_413_problem_json(self, client: Client, url: str) -> None:
        body = json.dumps({"pad": "x" * (3 * 1024 * 1024)})
        response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer whatever")
        assert response.status_code == 413
        assert response["Content-Type"] == "application/problem+json"
        problem = json.loads(response.content)
        assert problem["status"] == 413
        assert problem["code"] == "request_too_large"

    @pytest.mark.django_db
    def test_an_oversized_token_request_is_413_json_not_a_page(self, client: Client) -> None:
        body = "grant_type=client_credentials&pad=" + "x" * (3 * 1024 * 1024)
        response = client.post("/o/token/", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert response["Content-Type"] == "application/problem+json"

    def test_suspicious_operation_in_an_api_view_is_400_problem(self) -> None:
        status, content_type, body = call("suspicious", {})
        assert (status, content_type) == (400, "application/problem+json")
        assert body["code"] == "bad_request"
        assert "forged" not in body["detail"]  # the exception's own words stay in the log

    @pytest.mark.django_db
    def test_suspicious_operation_in_the_portal_is_a_400_page(self, client: Client) -> None:
        response = client.get("/accounts/login/", HTTP_HOST="evil.example")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert b"could not be understood" in response.content

    @pytest.mark.django_db
    def test_unknown_api_url_is_404_problem_json(self, client: Client) -> None:
        response = client.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(response.content)["code"] == "not_found"

    @pytest.mark.django_db
    @pytest.mark.parametrize("debug", [False, True])
    @pytest.mark.parametrize(
        "path", ["/api/v1/no-such-thing/", "/api/v1/accounts/x/y/z", "/api/v1/accounts%0A", "/o/no-such-thing/"]
    )
    def test_an_unknown_path_is_404_problem_with_debug_on_too(self, settings: Any, debug: bool, path: str) -> None:
        settings.DEBUG = debug  # `make run` serves with DEBUG on: Django's own 404 is an HTML page
        client = Client(enforce_csrf_checks=True)  # a partner sends no CSRF token
        for response in (client.get(path), client.post(path, {}, content_type="application/json")):
            assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
            assert json.loads(response.content)["code"] == "not_found"

    @pytest.mark.django_db
    @pytest.mark.parametrize("debug", [False, True])
    @pytest.mark.parametrize(("method", "status"), [("get", 301), ("head", 301), ("post", 308), ("delete", 308)])
    def test_a_path_without_its_final_slash_is_redirected_keeping_a_writes_method(
        self, settings: Any, debug: bool, method: str, status: int
    ) -> None:
        # A 301 is followed as a GET without the body (and for a POST under DEBUG Django raised).
        settings.DEBUG = debug
        response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/payments?limit=2")
        assert (response.status_code, response["Location"]) == (status, "/api/v1/payments/?limit=2")

    @pytest.mark.django_db
    def test_an_api_path_behind_a_script_prefix_is_still_a_problem(self, settings: Any) -> None:
        settings.FORCE_SCRIPT_NAME = "/bank"
        for response in (
            Client().get("/api/v1/no-such-thing/", SCRIPT_NAME="/bank"),
            Client().get("/api/v1/me/", SCRIPT_NAME="/bank", HTTP_HOST="evil.example"),  # Django's own 400
        ):
            assert response.status_code in (400, 404)
            assert response["Content-Type"] == "application/problem+json"

    def test_a_405_title_names_the_method(self) -> None:
        request = APIRequestFactory().put("/probe", {}, format="json")
        response = Probe.as_view()(request)
        response.render()
        body = json.loads(response.content)
        assert response.status_code == 405
        assert body["title"] == "Method PUT not allowed"
        assert response["Allow"]

    @pytest.mark.django_db
    def test_an_invalid_token_says_so(self, client: Client) -> None:
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not-a-real-token")
        assert response.status_code == 401
        body = json.loads(response.content)
        assert body["title"] == "Invalid or expired token"
        assert body["code"] == "invalid_token"
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.django_db
    def test_no_token_at_all_still_says_credentials_are_missing(self, client: Client) -> None:
        response = client.get("/api/v1/me/")
        assert response.status_code == 401
        assert json.loads(response.content)["code"] == "not_authenticated"


def test_redis_down_is_503_problem_with_retry_after() -> None:
    request = APIRequestFactory().post("/probe?what=outage", {}, format="json")
    response = Probe.as_view()(request)
    response.render()
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["code"] == "temporarily_unavailable"
    assert int(response["Retry-After"]) > 0
    assert "6379" not in body["detail"]


def test_a_415_has_a_stable_title_and_names_the_type_in_its_detail() -> None:
    request = APIRequestFactory().post("/probe", "amount=1", content_type="text/plain")
    response = Probe.as_view()(request)
    response.render()
    body = json.loads(response.content)
    assert response.status_code == 415
    assert body["title"] == "Unsupported media type"
    assert "{" not in body["title"]
    assert body["detail"] == 'Unsupported media type "text/plain" in request.'
    assert body["code"] == "unsupported_media_type"


class ConsentTooLong(DomainError):
    """A refusal about one input."""

    code = "too_long"


@pytest.mark.parametrize(
    ("field", "errors"),
    [
        ("valid_until", {"valid_until": ["No."]}),
        ("access.accounts", {"access": {"accounts": ["No."]}}),  # nested, as a nested serializer's errors
        ("", None),
    ],
)
def test_a_refusal_about_one_input_names_it_under_errors(field: str, errors: dict[str, Any] | None) -> None:
    response = problem_exception_handler(ConsentTooLong("No.", field=field), {})
    assert response is not None
    assert (response.status_code, response.data["code"]) == (422, "too_long")
    assert response.data.get("errors") == errors
