"""Partner API: wallets/ and wallet-transfers/ for the partner's own business customer only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.wallets.models import WalletTransfer
from apps.wallets.services.wallets import wallet_open
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> Any:
    business = customer(email="acme@example.test")
    grant = PartnerGrantFactory(acting_for=business)
    token = AccessTokenFactory(application=grant.application)
    return business, token


def api(token: Any, method: str, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token.token}"}
    if key:
        headers["Idempotency-Key"] = key
    call = getattr(Client(), method)
    if body is None:
        return call(path, headers=headers)
    return call(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_lists_and_reads_its_business_customers_wallets(acme: Any) -> None:
    business, token = acme
    wallet = funded_wallet(business, "10.00", now=timezone.now())
    listed = api(token, "get", "/api/v1/wallets/")
    assert listed.status_code == 200
    assert listed.json()["results"] == [
        {"id": str(wallet.pk), "currency": "EUR", "status": "active", "balance": {"amount": "10.00", "currency": "EUR"},
         "available": {"amount": "10.00", "currency": "EUR"}}
    ]  # fmt: skip
    assert api(token, "get", f"/api/v1/wallets/{wallet.pk}/").status_code == 200


def test_another_customers_wallet_and_transfer_are_404(acme: Any) -> None:
    _, token = acme
    other = customer()
    wallet = funded_wallet(other, "10.00", now=timezone.now())
    response = api(token, "get", f"/api/v1/wallets/{wallet.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert api(token, "get", "/api/v1/wallets/abc/").status_code == 404


def test_transfer_then_replay_with_the_same_key(acme: Any) -> None:
    business, token = acme
    source = funded_wallet(business, "100.00", now=timezone.now())
    bob = customer()
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    body = {
        "source_wallet": str(source.pk),
        "recipient": {"email": bob.email},
        "amount": "45.00",
        "currency": "EUR",
        "note": "invoice 7",
    }
    first = api(token, "post", "/api/v1/wallet-transfers/", body, key="t-1")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "completed"
    assert first.json()["sca_exemption"] == "secure_corporate"
    again = api(token, "post", "/api/v1/wallet-transfers/", body, key="t-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert ledger_read.balance(account_id=target.ledger_account_id) == Money.of("45.00", "EUR")
    assert api(token, "get", f"/api/v1/wallet-transfers/{first.json()['id']}/").status_code == 200
    assert len(api(token, "get", "/api/v1/wallet-transfers/").json()["results"]) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "500.00"}, "insufficient_funds"),
        ({"recipient": {"email": "nobody@example.test"}}, "unknown_recipient"),
        ({"recipient": {"email": "acme@example.test"}}, "to_self"),
    ],
)
def test_refusals_are_422_problems_with_a_code(acme: Any, change: dict[str, Any], code: str) -> None:
    business, token = acme
    source = funded_wallet(business, "100.00", now=timezone.now())
    bob = customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    body = {
        "source_wallet": str(source.pk),
        "recipient": {"email": bob.email},
        "amount": "1.00",
        "currency": "EUR",
    } | change
    response = api(token, "post", "/api/v1/wallet-transfers/", body, key=f"r-{code}")
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not WalletTransfer.objects.exists()


def test_a_refusal_for_funds_is_the_keys_answer_and_is_replayed(acme: Any) -> None:
    business, token = acme
    source = funded_wallet(business, "100.00", now=timezone.now())
    bob = customer()
    wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    body = {"source_wallet": str(source.pk), "recipient": {"email": bob.email}, "amount": "500.00", "currency": "EUR"}
    first = api(token, "post", "/api/v1/wallet-transfers/", body, key="funds")
    assert (first.status_code, first.json()["code"]) == (422, "insufficient_funds")
    funded_wallet(business, "500.00", now=timezone.now())  # the money arrives; the key's answer stays
    again = api(token, "post", "/api/v1/wallet-transfers/", body, key="funds")
    assert (again.status_code, again["Idempotent-Replayed"]) == (422, "true")
    assert again.json() == first.json()
    assert not WalletTransfer.objects.exists()


def test_bad_input_is_a_validation_problem(acme: Any) -> None:
    business, token = acme
    source = funded_wallet(business, "100.00", now=timezone.now())
    body = {"source_wallet": str(source.pk), "recipient": {}, "amount": 1, "currency": "EUR"}
    response = api(token, "post", "/api/v1/wallet-transfers/", body, key="bad")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"amount", "recipient"}


def test_a_transfer_from_another_customers_wallet_is_404(acme: Any) -> None:
    _, token = acme
    other = customer()
    wallet = funded_wallet(other, "10.00", now=timezone.now())
    body = {"source_wallet": str(wallet.pk), "recipient": {"email": other.email}, "amount": "1.00", "currency": "EUR"}
    assert api(token, "post", "/api/v1/wallet-transfers/", body, key="x").status_code == 404


def test_a_partner_acting_for_nobody_has_no_wallets() -> None:
    grant = PartnerGrantFactory(acting_for=None)
    token = AccessTokenFactory(application=grant.application)
    assert api(token, "get", "/api/v1/wallets/").status_code == 404


def test_sending_needs_the_write_scope(acme: Any) -> None:
    business, _ = acme
    grant = PartnerGrantFactory(acting_for=business)
    reader = AccessTokenFactory(application=grant.application, scope="wallets:read")
    source = funded_wallet(business, "10.00", now=timezone.now())
    body = {
        "source_wallet": str(source.pk),
        "recipient": {"email": "x@example.test"},
        "amount": "1.00",
        "currency": "EUR",
    }
    assert api(reader, "post", "/api/v1/wallet-transfers/", body, key="s").status_code == 403
    assert api(reader, "get", "/api/v1/wallet-transfers/").status_code == 200


@pytest.mark.parametrize("by", ["email", "wallet"])
def test_the_recipient_comes_back_as_it_was_named_and_the_currency_in_any_case(acme: Any, by: str) -> None:
    business, token = acme
    source = funded_wallet(business, "100.00", now=timezone.now())
    bob = customer()
    target = wallet_open(customer_id=bob.pk, currency="EUR", now=timezone.now())
    recipient = {"email": bob.email} if by == "email" else {"wallet": str(target.pk)}
    body = {"source_wallet": str(source.pk), "recipient": recipient, "amount": "5.00", "currency": "eur"}
    sent = api(token, "post", "/api/v1/wallet-transfers/", body, key=f"named-{by}")
    assert sent.status_code == 201, sent.content
    assert (sent.json()["recipient"], sent.json()["currency"]) == (recipient, "EUR")
    read = api(token, "get", f"/api/v1/wallet-transfers/{sent.json()['id']}/")
    assert read.json()["recipient"] == recipient
