"""Partner API ``payments/``: the exact body, Idempotency-Key, problem+json, 404 for others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from apps.payments.models import Payment
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from tests.apps.payments.factories import (
    EXTERNAL_IBAN,
    EXTERNAL_NAME,
    UNKNOWN_OWN_IBAN,
    Payer,
    PaymentRowFactory,
    payer,
)
from tests.apps.payments.settlement_factories import clearing_env
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory
from tests.bankcore.api.problems import field_paths

__all__ = ["clearing_env"]

URL = "/api/v1/payments/"


@pytest.fixture
def acme() -> Payer:
    return payer(balance="5000.00", full_name="Acme Trading")


def token_for(customer: Payer | None, scope: str = "payments:read payments:write") -> AccessToken:
    grant = PartnerGrantFactory(acting_for=customer.user if customer else None)
    return AccessTokenFactory(application=grant.application, scope=scope)


def api(client: Client, token: AccessToken, method: str, url: str, body: Any = None, key: str | None = "k1") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(body) if body is not None else "", content_type="application/json", **headers)


def body(acme: Payer, **changes: Any) -> dict[str, Any]:
    return {
        "source_account": f"acc_{acme.account.pk}",
        "amount": "120.50",
        "currency": "EUR",
        "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
        "reference": "Invoice 2026-11",
    } | changes


def test_create_get_list_cancel(client: Client, acme: Payer) -> None:
    token = token_for(acme)
    created = api(client, token, "post", URL, body(acme, end_to_end_id="INV-2026-11"))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "accepted"
    assert (data["amount"], data["currency"], data["end_to_end_id"]) == ("120.50", "EUR", "INV-2026-11")
    assert data["creditor"] == {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN, "bic": "COBADEFFXXX"}
    assert data["id"] == data["tx_id"]
    assert data["reason_code"] is None
    assert data["consent_id"] is None
    assert data["verification_of_payee"] == {"result": "MTCH", "matched_name": None}
    assert Payment.objects.get().sca_exemption == "secure_corporate"
    assert api(client, token, "get", f"{URL}{data['id']}/").json()["id"] == data["id"]
    listed = api(client, token, "get", f"{URL}?status=accepted").json()
    assert [p["id"] for p in listed["results"]] == [data["id"]]
    assert listed["next"] is None
    assert api(client, token, "get", f"{URL}?status=settled").json()["results"] == []
    for unknown in ("", "SETTLED", "done"):  # an empty filter is not "no filter": it is refused too
        refused = api(client, token, "get", f"{URL}?status={unknown}")
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_status")
    cancelled = api(client, token, "post", f"{URL}{data['id']}/cancel/", key="c1")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert ledger_read.available_balance(account_id=acme.account.ledger_account_id) == Money.of("5000.00", "EUR")


def test_the_same_key_replays_and_pays_once(client: Client, acme: Payer) -> None:
    token = token_for(acme)
    first = api(client, token, "post", URL, body(acme))
    again = api(client, token, "post", URL, body(acme))
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    other = api(client, token, "post", URL, body(acme, amount="1.00"))
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"amount": 12.5}, "amount", "validation_error"),
        ({"amount": "12.505"}, "amount", "too_many_decimals"),
        ({"amount": "0"}, "amount", "amount_not_positive"),
        ({"creditor": {"name": "X", "iban": "DE89370400440532013001"}}, "creditor.iban", "iban_checksum"),
        ({"creditor": {"name": "X", "iban": UNKNOWN_OWN_IBAN}}, "creditor.iban", "payee_account_unknown"),
        (
            {"creditor": {"name": "X", "iban": UNKNOWN_OWN_IBAN}, "instant": True},
            "creditor.iban",
            "payee_account_unknown",
        ),
        ({"reference": "Grüße"}, "reference", "reference_charset"),
        ({"reference": "x" * 141}, "reference", "reference_too_long"),
        ({"end_to_end_id": "x" * 36}, "end_to_end_id", "end_to_end_id_too_long"),
        ({"execution_date": "2020-01-01"}, "execution_date", "date_in_past"),
        ({"currency": "USD"}, "currency", "currency_mismatch"),
        ({"source_account": "999999"}, "source_account", "unknown_account"),
        ({"unexpected": 1}, "unexpected", "validation_error"),
        ({"creditor": "nobody"}, "creditor", "validation_error"),
    ],
)
def test_bad_bodies_are_problems_and_write_nothing(
    client: Client, acme: Payer, changes: dict[str, Any], field: str, code: str
) -> None:
    response = api(client, token_for(acme), "post", URL, body(acme, **changes))
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert field in field_paths(problem["errors"])
    assert not Payment.objects.exists()


def test_not_json_and_no_key(client: Client, acme: Payer) -> None:
    token = token_for(acme)
    missing = api(client, token, "post", URL, body(acme), key=None)
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_missing")
    garbage = client.post(
        URL, "{not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.token}", HTTP_IDEMPOTENCY_KEY="g",
    )  # fmt: skip
    assert garbage.status_code == 400
    assert garbage["Content-Type"] == "application/problem+json"


def test_another_customer_and_a_partner_for_nobody_get_404(client: Client, acme: Payer) -> None:
    created = api(client, token_for(acme), "post", URL, body(acme)).json()
    other = token_for(payer(balance="10.00"))
    for method, url in [("get", f"{URL}{created['id']}/"), ("post", f"{URL}{created['id']}/cancel/")]:
        response = api(client, other, method, url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert api(client, other, "get", URL).json()["results"] == []
    nobody = token_for(None)
    # A partner acting for nobody lists only what it paid with consents: here nothing.
    assert api(client, nobody, "get", URL).json()["results"] == []
    for method, url in [("get", f"{URL}{created['id']}/"), ("post", f"{URL}{created['id']}/cancel/")]:
        assert api(client, nobody, method, url).status_code == 404
    assert api(client, nobody, "post", URL, body(acme), key="n").status_code == 404
    assert Payment.objects.get().status == "accepted"


def test_scopes(client: Client, acme: Payer) -> None:
    read_only = token_for(acme, scope="payments:read")
    assert api(client, read_only, "post", URL, body(acme)).status_code == 403
    assert api(client, read_only, "get", URL).status_code == 200
    assert client.get(URL).status_code == 401


@pytest.mark.django_db(transaction=True)  # the inline answer runs when the payment's transaction really commits
@pytest.mark.parametrize(
    ("name", "status", "reason_code"),
    [
        (EXTERNAL_NAME, "settled", None),
        ("SIM REJECT AC04", "rejected", "AC04"),
        ("SIM NOANSWER", "rejected", "AB05"),
    ],
)
def test_an_instant_payment_answered_inline_is_created_as_it_stands(
    client: Client, clearing_env: Path, name: str, status: str, reason_code: str | None
) -> None:
    acme = payer(balance="5000.00", full_name="Acme Trading")
    token = token_for(acme)
    created = api(client, token, "post", URL, body(acme, instant=True, creditor={"name": name, "iban": EXTERNAL_IBAN}))
    assert created.status_code == 201, created.content
    # The embedded default answers an instant payment inside the request: the 201 says what a GET says.
    assert (created.json()["status"], created.json()["reason_code"]) == (status, reason_code)
    fetched = api(client, token, "get", f"{URL}{created.json()['id']}/").json()
    assert (fetched["status"], fetched["reason_code"]) == (status, reason_code)
    replayed = api(client, token, "post", URL, body(acme, instant=True, creditor={"name": name, "iban": EXTERNAL_IBAN}))
    assert replayed.json()["status"] == status


def test_the_list_is_paged_by_cursor_newest_first_keeping_the_filter(client: Client, acme: Payer) -> None:
    token = token_for(acme)
    accepted = [PaymentRowFactory(owner=acme).tx_id for _ in range(52)]
    PaymentRowFactory.create_batch(3, owner=acme, status="settled")
    first = api(client, token, "get", f"{URL}?status=accepted").json()
    assert [p["id"] for p in first["results"]] == accepted[::-1][:50]
    assert first["next"].startswith("http://testserver/api/v1/payments/?")
    assert "status=accepted" in first["next"]
    second = api(client, token, "get", first["next"]).json()
    assert [p["id"] for p in second["results"]] == accepted[::-1][50:]
    assert second["next"] is None
    everything = api(client, token, "get", URL).json()
    assert len(everything["results"]) == 50
    assert len(api(client, token, "get", everything["next"]).json()["results"]) == 5


@pytest.mark.parametrize("cursor", ["nonsense", "YjA", "Yi0x"])
def test_a_cursor_it_never_gave_out_is_a_400_naming_it(client: Client, acme: Payer, cursor: str) -> None:
    response = api(client, token_for(acme), "get", f"{URL}?cursor={cursor}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]


def test_the_schema_documents_the_cursor_of_both_lists(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/payments/", "/api/v1/payment-batches/"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert "cursor" in names, path


def test_the_created_event_says_the_status_the_api_shows(client: Client, acme: Payer) -> None:
    created = api(client, token_for(acme), "post", URL, body(acme))
    assert created.json()["status"] == "accepted"
    event = OutboxEvent.objects.get(name="payment.created")
    # A partner's payment is never awaiting_sca (secure corporate process): neither is its event.
    assert (event.payload["status"], event.payload["reason_code"]) == ("accepted", "")
