"""``Idempotency-Key`` at payments/ and payment-batches/: a refusal by the rules is the key's answer,
an input refused as sent is not.

A refusal by the rules (the payee cannot receive, a business-only product) is stored and replayed
byte for byte, and the request does not run again even once it would now succeed. A request
refused for its shape (by the serializer, or an IBAN's check digits) stores nothing: the corrected
body is paid under the same key.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import Account
from apps.payments.models import Payment, PaymentBatch
from bankcore.api.models import IdempotencyRecord
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, Payer, payer
from tests.apps.payments.test_api import URL, api, body, token_for

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/payment-batches/"


@pytest.fixture
def acme() -> Payer:
    return payer(balance="5000.00", full_name="Acme Trading")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0.00", full_name="Bob Builder")


def _stored(key: str) -> bool:
    return IdempotencyRecord.objects.filter(key=key, state=IdempotencyRecord.State.DONE).exists()


def test_a_refusal_about_the_payee_is_replayed_and_not_run_again(client: Client, acme: Payer, bob: Payer) -> None:
    token = token_for(acme)
    Account.objects.filter(pk=bob.account.pk).update(status="blocked")
    order = body(acme, creditor={"name": "Bob Builder", "iban": bob.account.iban})
    first = api(client, token, "post", URL, order, key="k-payee")
    assert first.status_code == 422, first.content
    problem = first.json()
    assert (problem["code"], problem["errors"]) == ("payee_cannot_receive", {"creditor": {"iban": [problem["detail"]]}})
    assert _stored("k-payee")

    # Were the request run again it would now be paid: the answer is the stored one all the same.
    Account.objects.filter(pk=bob.account.pk).update(status="open")
    again = api(client, token, "post", URL, order, key="k-payee")
    assert (again.status_code, again["Idempotent-Replayed"]) == (422, "true")
    assert again["Content-Type"] == "application/problem+json"
    assert json.loads(again.content) == json.loads(first.content)
    assert not Payment.objects.exists()
    assert api(client, token, "post", URL, order, key="k-payee-2").status_code == 201


def test_a_refusal_naming_no_field_is_replayed(client: Client, acme: Payer) -> None:
    """Bulk payouts are for business customers: the views used to list this under non_field_errors
    and free the key."""
    token = token_for(acme)
    batch = {"source_account": str(acme.account.pk), "payments": [
        {"amount": "1.00", "currency": "EUR", "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN}},
    ]}  # fmt: skip
    first = api(client, token, "post", BATCHES, batch, key="k-batch")
    assert (first.status_code, first.json()["code"]) == (422, "business_only"), first.content
    assert "errors" not in first.json()
    assert _stored("k-batch")
    again = api(client, token, "post", BATCHES, batch, key="k-batch")
    assert (again.status_code, again["Idempotent-Replayed"]) == (422, "true")
    assert json.loads(again.content) == json.loads(first.content)
    assert not PaymentBatch.objects.exists()


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        ({"creditor": {"name": EXTERNAL_NAME, "iban": ["DE89"]}}, 400, "validation_error"),
        ({"creditor": {"name": EXTERNAL_NAME, "iban": "DE89370400440532013001"}}, 422, "iban_checksum"),
        ({"amount": "120.505"}, 422, "too_many_decimals"),
    ],
)
def test_a_body_refused_for_its_shape_frees_the_key_for_the_corrected_one(
    client: Client, acme: Payer, bad: dict[str, object], status: int, code: str
) -> None:
    token = token_for(acme)
    refused = api(client, token, "post", URL, body(acme, **bad), key="k-fix")
    assert (refused.status_code, refused.json()["code"]) == (status, code), refused.content
    assert not IdempotencyRecord.objects.filter(key="k-fix").exists()
    corrected = api(client, token, "post", URL, body(acme), key="k-fix")
    assert corrected.status_code == 201, corrected.content
    assert "Idempotent-Replayed" not in corrected
    assert Payment.objects.count() == 1
