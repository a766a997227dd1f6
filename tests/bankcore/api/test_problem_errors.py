"""Every API error is RFC 9457 problem+json, including validation, refusals and crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import Http404
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

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
