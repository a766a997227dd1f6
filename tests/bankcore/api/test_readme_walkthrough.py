"""README "Partner API in five minutes", step by step through the test client, so the walkthrough
cannot drift from what the API does: sandbox partner, token, accounts, a payment with an
Idempotency-Key settled by clearing_tick, a webhook endpoint on a local receiver, alice's account
read through her consent, and the consent's end delivered as a signed webhook."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from standardwebhooks import Webhook

from tests.bankcore.api.webhook_server import webhook_receiver

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[3] / "README.md"


def command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class Api:
    def __init__(self, token: str) -> None:
        self.client = Client()
        self.auth = f"Bearer {token}"

    def get(self, path: str) -> tuple[int, Any]:
        response = self.client.get(f"/api/v1/{path}", HTTP_AUTHORIZATION=self.auth)
        return response.status_code, json.loads(response.content or b"null")

    def post(self, path: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
        response = self.client.post(
            f"/api/v1/{path}",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=self.auth,
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return response.status_code, json.loads(response.content)

    def delete(self, path: str) -> int:
        return int(self.client.delete(f"/api/v1/{path}", HTTP_AUTHORIZATION=self.auth).status_code)


def test_the_readme_names_every_step() -> None:
    text = README.read_text()
    start = text.index("## Partner API in five minutes")
    section = text[start : text.index("\n## ", start + 1)]
    for step in (
        "sandbox_partner --json",
        "/o/token/",
        "/api/v1/accounts/",
        "/api/v1/wallets/",
        "Idempotency-Key",
        "clearing_tick",
        "/api/v1/webhook-endpoints/",
        "relay_outbox",
        "/balances/",
        "deliveries/",
    ):
        assert step in section, step


def test_the_walkthrough(settings: Any, tmp_path: Path) -> None:
    settings.DEMO_DATA_ALLOWED = True
    settings.CLEARING_DIR = tmp_path / "clearing"

    sandbox = json.loads(command("sandbox_partner", "--json"))
    token = Client().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": sandbox["client_id"],
            "client_secret": sandbox["client_secret"],
        },
    )
    assert token.status_code == 200
    api = Api(json.loads(token.content)["access_token"])

    status, accounts = api.get("accounts/")
    assert status == 200
    listed = {a["id"] for a in accounts["results"]}
    assert sandbox["accounts"][0]["id"] in listed

    status, wallets = api.get("wallets/")
    assert status == 200
    assert [(w["id"], w["currency"], w["balance"]["amount"]) for w in wallets["results"]] == [
        (sandbox["wallets"][0]["id"], "EUR", "1000.00")
    ]

    with webhook_receiver() as receiver:
        status, endpoint = api.post(
            "webhook-endpoints/",
            {"url": receiver.url, "event_types": ["payment.settled", "consent.terminated"]},
            key="readme-hook-1",
        )
        assert status == 201, endpoint
        assert endpoint["secret"].startswith("whsec_")
        signed = Webhook(endpoint["secret"])

        order = {
            "source_account": sandbox["accounts"][0]["id"],
            "amount": "12.50",
            "currency": "EUR",
            "creditor": {"name": "Muster GmbH", "iban": "DE89370400440532013000"},
            "reference": "Invoice 42",
        }
        status, payment = api.post("payments/", order, key="readme-pay-1")
        assert (status, payment["status"]) == (201, "accepted"), payment
        assert payment["source_account"] == sandbox["accounts"][0]["id"]
        again_status, again = api.post("payments/", order, key="readme-pay-1")
        assert (again_status, again["id"]) == (201, payment["id"])  # the same key: the same payment
        other_status, _ = api.post("payments/", {**order, "amount": "13.00"}, key="readme-pay-1")
        assert other_status == 422

        command("clearing_tick")
        status, settled = api.get(f"payments/{payment['id']}/")
        assert (status, settled["status"]) == (200, "settled")
        command("relay_outbox")
        (sent,) = receiver.received
        message = signed.verify(sent.body, {k.lower(): v for k, v in sent.headers.items()})
        assert (message["type"], message["data"]["payment_id"]) == ("payment.settled", payment["id"])

        status, consent = api.get(f"consents/{sandbox['consent_id']}/")
        assert (status, consent["status"]) == (200, "valid")
        alice_account = consent["access"]["accounts"][0]
        status, balances = api.get(f"accounts/{alice_account}/balances/")
        assert status == 200
        assert balances["booked"]["currency"] == "EUR"

        assert api.delete(f"consents/{sandbox['consent_id']}/") == 204
        command("relay_outbox")
        sent = receiver.received[-1]
        message = signed.verify(sent.body, {k.lower(): v for k, v in sent.headers.items()})
        assert message["type"] == "consent.terminated"
        assert message["data"]["consent_id"] == sandbox["consent_id"]

    status, deliveries = api.get(f"webhook-endpoints/{endpoint['id']}/deliveries/")
    assert status == 200
    assert deliveries["results"][0]["status"] == "delivered"
    assert api.get(f"accounts/{alice_account}/balances/")[0] == 404  # the consent ended: nothing to see
