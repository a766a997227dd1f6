"""Partner API ``payment-batches/``: JSON and pain.001 bodies, Idempotency-Key, one result per line, 404 for others."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone
from oauth2_provider.models import AccessToken

from apps.fraud.services import alerts
from apps.payments.models import BatchStatus, Payment, PaymentBatch
from apps.payments.services import validation
from bankcore.events.services import outbox_relay
from tests.apps.payments.batch_factories import Row, business, pain001_bytes, review_rule
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, Payer, PaymentBatchRowFactory, payer
from tests.apps.payments.test_api import token_for

URL = "/api/v1/payment-batches/"


@pytest.fixture
def acme() -> Payer:
    return business(balance="5000.00")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0.00", full_name="Bob Builder")


def send(client: Client, token: AccessToken, body: Any, *, key: str | None = "k1", xml: bool = False,
         query: str = "") -> Any:  # fmt: skip
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    # What the request enqueues after commit runs as soon as it answered (the tasks are eager in tests).
    with TestCase.captureOnCommitCallbacks(execute=True):
        if xml:
            return client.post(URL + query, body, content_type="application/xml", **headers)
        return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def get(client: Client, token: AccessToken, url: str) -> Any:
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token.token}")


def item(name: str, iban: str, amount: str = "10.00", **more: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR", "creditor": {"name": name, "iban": iban}, "reference": "Payout"} | more


def test_a_json_batch_is_paid_with_one_result_per_line(client: Client, acme: Payer, bob: Payer) -> None:
    token = token_for(acme)
    body = {
        "source_account": str(acme.account.pk),
        "payments": [
            item("Bob Builder", bob.account.iban, "25.00"),
            item(EXTERNAL_NAME, EXTERNAL_IBAN, "40.00", end_to_end_id="E2E-2"),
            item("Nobody", "DE00370400440532013000"),
        ],
    }
    created = send(client, token, body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == BatchStatus.RECEIVED  # checked and paid off the request
    data = get(client, token, f"{URL}{created.json()['id']}/").json()
    assert data["status"] == BatchStatus.COMPLETED_WITH_ERRORS
    assert data["counts"] == {"lines": 3, "valid": 2, "done": 2, "paid": 2, "held": 0, "failed": 1}
    assert data["total"] == {"valid": "65.00", "paid": "65.00", "held": "0.00"}
    assert [line["status"] for line in data["lines"]] == ["paid", "accepted", "invalid"]
    assert data["lines"][2]["reason_code"] == "iban_checksum"
    assert data["lines"][1]["verification_of_payee"] == {"result": "MTCH", "matched_name": None}
    assert data["lines"][0]["payment_id"] == Payment.objects.get(creditor_iban=bob.account.iban).tx_id
    assert {p.sca_exemption for p in Payment.objects.all()} == {"secure_corporate"}
    again = send(client, token, body)
    assert (again.status_code, again["Idempotent-Replayed"], again.json()["id"]) == (201, "true", data["id"])
    assert PaymentBatch.objects.count() == 1
    assert [b["id"] for b in get(client, token, URL).json()["results"]] == [data["id"]]


def test_a_held_line_is_shown_held_until_its_case_decides(client: Client, acme: Payer, bob: Payer) -> None:
    review_rule(amount_minor=4242)
    token = token_for(acme)
    payments = [item("Bob Builder", bob.account.iban, "25.00"), item("Bob Builder", bob.account.iban, "42.42")]
    body = {"source_account": str(acme.account.pk), "payments": payments}
    url = f"{URL}{send(client, token, body).json()['id']}/"
    data = get(client, token, url).json()
    assert data["status"] == "awaiting_review"
    assert data["completed_at"] is None
    assert data["counts"] == {"lines": 2, "valid": 2, "done": 2, "paid": 1, "held": 1, "failed": 0}
    assert data["total"] == {"valid": "67.42", "paid": "25.00", "held": "42.42"}
    assert [(line["status"], line["payment_status"]) for line in data["lines"]] == [
        ("paid", "settled"), ("held", "held_for_review"),
    ]  # fmt: skip
    held = Payment.objects.get(amount_minor=4242)
    with TestCase.captureOnCommitCallbacks(execute=True):
        alerts.alert_payment_decide(alert_id=held.fraud_alert_id, release=True, by_id=None, now=timezone.now())  # type: ignore[arg-type]
        outbox_relay(now=timezone.now(), batch_size=1000)
    data = get(client, token, url).json()
    assert (data["status"], data["counts"]["paid"], data["counts"]["held"]) == ("completed", 2, 0)
    assert (data["lines"][1]["status"], data["lines"][1]["payment_status"]) == ("paid", "settled")


def test_a_pain001_body_is_validated_and_paid(client: Client, acme: Payer, bob: Payer) -> None:
    today = validation.bank_today(timezone.now())
    document = pain001_bytes([Row("Bob Builder", bob.account.iban, "12.34")], debtor_iban=acme.account.iban, when=today)
    token = token_for(acme)
    created = send(client, token, document, xml=True, query="?verify_payee=false")
    assert created.status_code == 201, created.content
    data = get(client, token, f"{URL}{created.json()['id']}/").json()
    assert (data["format"], data["status"], data["verification_of_payee"]) == ("pain.001", "completed", "skipped")
    assert data["lines"][0]["verification_of_payee"]["result"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not xml at all", "not_xml"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09"/>', "unknown_message"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.10"><Nope/></Document>', "schema_invalid"),
    ],
)
def test_a_bad_document_is_a_problem_and_writes_nothing(client: Client, acme: Payer, body: bytes, code: str) -> None:
    refused = send(client, token_for(acme), body, xml=True)
    assert refused.status_code == 422
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == code
    assert PaymentBatch.objects.count() == 0


def test_a_person_cannot_send_a_batch(client: Client, bob: Payer) -> None:
    other = payer(full_name="Carol Jones")
    body = {"source_account": str(bob.account.pk), "payments": [item("Carol Jones", other.account.iban)]}
    refused = send(client, token_for(bob), body)
    assert (refused.status_code, refused.json()["code"]) == (422, "business_only")


def test_without_a_key_it_is_refused(client: Client, acme: Payer, bob: Payer) -> None:
    body = {"source_account": str(acme.account.pk), "payments": [item("Bob Builder", bob.account.iban)]}
    refused = send(client, token_for(acme), body, key=None)
    assert (refused.status_code, refused.json()["code"]) == (400, "idempotency_key_missing")


def test_another_customers_batch_is_404(client: Client, acme: Payer, bob: Payer) -> None:
    body = {"source_account": str(acme.account.pk), "payments": [item("Bob Builder", bob.account.iban)]}
    batch_id = send(client, token_for(acme), body).json()["id"]
    rival = business(company="Rival Ltd")
    for token in (token_for(rival), token_for(acme), token_for(None)):
        # Another customer's partner, another partner of the same customer, a partner acting for nobody.
        assert get(client, token, f"{URL}{batch_id}/").status_code == 404
    assert get(client, token_for(rival), URL).json()["results"] == []
    assert get(client, token_for(acme), f"{URL}nonsense/").status_code == 404


def test_the_list_is_paged_by_cursor_newest_first(client: Client, acme: Payer) -> None:
    token = token_for(acme)
    partner_id = token.application_id
    made = [str(PaymentBatchRowFactory(owner=acme, partner_id=partner_id).pk) for _ in range(51)]
    PaymentBatchRowFactory(owner=acme, partner_id=None)  # the customer's own upload: not this partner's
    first = get(client, token, URL).json()
    assert [b["id"] for b in first["results"]] == made[::-1][:50]
    second = get(client, token, first["next"]).json()
    assert ([b["id"] for b in second["results"]], second["next"]) == (made[:1], None)
    bad = get(client, token, f"{URL}?cursor=nonsense")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["cursor"])


def test_an_unknown_top_level_field_is_refused_and_writes_nothing(client: Client, acme: Payer, bob: Payer) -> None:
    body = {"source_account": str(acme.account.pk), "payments": [item("Bob Builder", bob.account.iban)], "foo": 1}
    refused = send(client, token_for(acme), body)
    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"] == {"foo": ["Unknown field."]}
    assert PaymentBatch.objects.count() == 0
    assert not Payment.objects.exists()
