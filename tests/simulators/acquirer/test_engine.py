"""The acquirer simulator on its own: test cards, its states, and signatures anyone can verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from simulators.acquirer import cards, engine, webhooks


@pytest.fixture(autouse=True)
def records(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes, dict[str, str]]]:
    settings.ACQUIRER_DIR = str(tmp_path)
    sent: list[tuple[str, bytes, dict[str, str]]] = []
    monkeypatch.setattr(webhooks, "DELIVER", lambda url, body, headers: sent.append((url, body, headers)) or 200)
    return sent


def intent(amount: int = 1000) -> dict[str, Any]:
    return engine.intent_create(
        amount_minor=amount, currency="EUR", reference="topup:1", return_url="http://bank.test/back/",
        webhook_url="http://bank.test/hook/",
    )  # fmt: skip


def types(sent: list[tuple[str, bytes, dict[str, str]]]) -> list[str]:
    return [json.loads(body)["type"] for _, body, _ in sent]


def test_luhn_and_brands() -> None:
    assert cards.card_for("4242424242424242") is not None
    assert cards.card_for("4242424242424241") is None
    assert cards.brand_of("5555555555554444") == "mastercard"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4242424242424242", ["payment_intent.authorised", "payment_intent.captured"]),
        ("4000000000000002", ["payment_intent.declined"]),
        ("4000000000000341", ["payment_intent.authorised", "payment_intent.capture_failed"]),
    ],
)
def test_each_card_drives_its_outcome(records: Any, number: str, expected: list[str]) -> None:
    created = intent()
    after = engine.card_submit(intent_id=created["id"], number=number, expiry="12/30", cvc="123")
    if after["status"] == "authorised":
        engine.capture(intent_id=created["id"])
        engine.capture(intent_id=created["id"])  # asked twice: one answer
    assert types(records) == expected


def test_three_d_secure_then_chargeback(records: Any) -> None:
    created = intent()
    engine.card_submit(intent_id=created["id"], number="4000000000003220", expiry="12/30", cvc="123")
    assert records == []
    engine.three_ds_complete(intent_id=created["id"], code=cards.THREE_DS_CODE)
    engine.capture(intent_id=created["id"])
    engine.chargeback(intent_id=created["id"])
    assert types(records) == ["payment_intent.authorised", "payment_intent.captured", "payment_intent.chargeback"]


def test_its_signatures_verify_with_the_library(records: Any, settings: Any) -> None:
    created = intent()
    engine.card_submit(intent_id=created["id"], number="4242424242424242", expiry="12/30", cvc="123")
    _, body, headers = records[0]
    message = Webhook(settings.ACQUIRER_WEBHOOK_SECRET).verify(body, headers)
    assert message["data"]["card"]["last4"] == "4242"
    assert "number" not in json.dumps(message)


def test_the_api_needs_its_key_and_the_card_page_takes_no_bad_card(db: None) -> None:
    client = Client()
    body = {
        "amount_minor": 500,
        "currency": "EUR",
        "reference": "topup:2",
        "return_url": "http://b/",
        "webhook_url": "http://b/h",
    }
    assert client.post("/sim/acquirer/api/intents/", body, content_type="application/json").status_code == 401
    created = client.post(
        "/sim/acquirer/api/intents/", body, content_type="application/json",
        headers={"Authorization": f"Bearer {engine.api_key()}"},
    ).json()  # fmt: skip
    page = client.get(f"/sim/acquirer/pay/{created['id']}/")
    assert page.status_code == 200
    assert b"Card number" in page.content
    bad = client.post(f"/sim/acquirer/pay/{created['id']}/", {"number": "1234", "expiry": "12/30", "cvc": "123"})
    assert bad.status_code == 400
    assert b"not valid" in bad.content
