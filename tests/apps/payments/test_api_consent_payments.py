"""``POST payments/`` with ``consent_id``: a third party pays exactly what the customer consented to, once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from apps.payments.models import Payment
from bankcore.api import consents
from bankcore.api.models import Consent, WebhookDelivery
from bankcore.api.webhooks import webhook_endpoint_create
from bankcore.events.models import OutboxEvent
from bankcore.events.services import outbox_relay
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Hold
from bankcore.money import Money
from bankcore.sca import services as sca
from tests.apps.accounts.factories import open_account
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, OTHER_EXTERNAL_IBAN, Payer, payer
from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory
from tests.bankcore.api.problems import field_paths

URL = "/api/v1/payments/"


@pytest.fixture
def alice() -> Payer:
    return payer(balance="1000.00", full_name="Alice Example")


@pytest.fixture
def tpp() -> AccessToken:
    """A third-party provider acting for nobody: it reaches alice only through her consent."""
    return AccessTokenFactory(application=PartnerGrantFactory(acting_for=None).application)


def consent_for(
    tpp: AccessToken, customer: Payer, *, approve: bool = True, source: bool = True, **changes: Any
) -> consents.ConsentView:
    now = changes.pop("now", timezone.now())
    terms: dict[str, Any] = {
        "amount": Money.of("25.00", "EUR"),
        "creditor_name": EXTERNAL_NAME,
        "creditor_iban": EXTERNAL_IBAN,
        "reference": "Invoice 42",
        "source_account_id": customer.account.pk if source else None,
    } | changes
    consent = consents.consent_payment_create(
        application_id=tpp.application_id, customer_id=customer.id, now=now, **terms
    )
    if approve:
        details = consents.consent_challenge_details(consent_id=consent.id, customer_id=customer.id)
        challenge_id = sca.challenge_confirm(
            user_id=customer.id, action=consents.PAYMENT_ACTION, details=details, otp_token=customer.code(), now=now
        )
        consent = consents.consent_approve(
            consent_id=consent.id, customer_id=customer.id, challenge_id=challenge_id, now=now
        )
    return consent


def body(customer: Payer, consent: consents.ConsentView, **changes: Any) -> dict[str, Any]:
    return {
        "source_account": f"acc_{customer.account.pk}",
        "amount": "25.00",
        "currency": "EUR",
        "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
        "reference": "Invoice 42",
        "consent_id": str(consent.public_id),
    } | changes


def call(client: Client, token: AccessToken, method: str, url: str, data: Any = None, key: str = "k1") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}", "HTTP_IDEMPOTENCY_KEY": key}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def nothing_written(customer: Payer, consent: consents.ConsentView) -> None:
    assert not Payment.objects.exists()
    assert not Hold.objects.filter(account_id=customer.account.ledger_account_id).exists()
    assert ledger_read.available_balance(account_id=customer.account.ledger_account_id) == Money.of("1000.00", "EUR")
    after = Consent.objects.get(pk=consent.id)
    assert (after.status, after.used_at, after.payment_ref) == (consent.status, None, "")


def test_the_consented_payment_is_made_from_the_customers_account(
    client: Client, alice: Payer, tpp: AccessToken
) -> None:
    consent = consent_for(tpp, alice)
    made = call(client, tpp, "post", URL, body(alice, consent))
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["status"], data["amount"], data["consent_id"]) == ("accepted", "25.00", str(consent.public_id))
    assert data["source_account"] == f"acc_{alice.account.pk}"
    payment = Payment.objects.get()
    assert (payment.customer_id, payment.partner_id, payment.channel) == (alice.id, tpp.application_id, "api")
    assert ledger_read.available_balance(account_id=alice.account.ledger_account_id) == Money.of("975.00", "EUR")
    # The customer's SCA was the consent's approval: recorded, and spent.
    assert payment.sca_exemption == "payment_consent"
    assert payment.sca_challenge_id is not None
    assert sca.Challenge.objects.get(pk=payment.sca_challenge_id).status == "used"
    spent = Consent.objects.get(pk=consent.id)
    assert (spent.status, spent.payment_ref) == ("expired", payment.ref)
    assert spent.used_at is not None
    assert OutboxEvent.objects.filter(name="consent.used").count() == 1
    # The partner follows its payment (the consent is spent, the payment still its own to see).
    assert call(client, tpp, "get", f"{URL}{data['id']}/").json()["status"] == "accepted"
    assert [p["id"] for p in call(client, tpp, "get", URL).json()["results"]] == [data["id"]]


def test_the_same_request_again_replays_the_payment(client: Client, alice: Payer, tpp: AccessToken) -> None:
    consent = consent_for(tpp, alice)
    first = call(client, tpp, "post", URL, body(alice, consent))
    again = call(client, tpp, "post", URL, body(alice, consent))
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1


def test_a_second_payment_with_the_consent_is_refused(client: Client, alice: Payer, tpp: AccessToken) -> None:
    consent = consent_for(tpp, alice)
    assert call(client, tpp, "post", URL, body(alice, consent)).status_code == 201
    reused = call(client, tpp, "post", URL, body(alice, consent), key="k2")
    assert reused.status_code == 409
    assert reused["Content-Type"] == "application/problem+json"
    assert reused.json()["code"] == "consent_used"
    assert Payment.objects.count() == 1
    assert ledger_read.available_balance(account_id=alice.account.ledger_account_id) == Money.of("975.00", "EUR")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "25.01"}, "amount"),
        ({"creditor": {"name": "Erika Mustermann", "iban": EXTERNAL_IBAN}}, "creditor.name"),
        ({"creditor": {"name": EXTERNAL_NAME, "iban": OTHER_EXTERNAL_IBAN}}, "creditor.iban"),
        ({"reference": "Invoice 43"}, "reference"),
    ],
)
def test_anything_other_than_consented_is_refused_and_nothing_written(
    client: Client, alice: Payer, tpp: AccessToken, changes: dict[str, Any], field: str
) -> None:
    consent = consent_for(tpp, alice)
    refused = call(client, tpp, "post", URL, body(alice, consent, **changes))
    assert refused.status_code == 422, refused.content
    problem = refused.json()
    assert (problem["code"], field_paths(problem["errors"])) == ("consent_mismatch", {field})
    nothing_written(alice, consent)


def test_another_account_of_the_customer_than_consented_is_refused(
    client: Client, alice: Payer, tpp: AccessToken
) -> None:
    other = open_account(customer=alice.user, currency="EUR")
    consent = consent_for(tpp, alice)
    refused = call(client, tpp, "post", URL, body(alice, consent, source_account=str(other.pk)))
    assert (refused.status_code, list(refused.json()["errors"])) == (422, ["source_account"])
    nothing_written(alice, consent)


def test_an_account_of_a_customer_who_did_not_consent_is_unknown(
    client: Client, alice: Payer, tpp: AccessToken
) -> None:
    bob = payer(balance="1000.00", full_name="Bob Example")
    consent = consent_for(tpp, alice, source=False)  # the consent leaves the account to the payment
    for named in (f"acc_{bob.account.pk}", str(bob.account.pk), bob.account.iban):
        refused = call(client, tpp, "post", URL, body(alice, consent, source_account=named), key=named)
        assert (refused.status_code, refused.json()["code"]) == (422, "unknown_account")
    nothing_written(alice, consent)
    assert ledger_read.available_balance(account_id=bob.account.ledger_account_id) == Money.of("1000.00", "EUR")


def consent_in(status: str, tpp: AccessToken, alice: Payer) -> consents.ConsentView:
    now = timezone.now()
    if status == "received":
        return consent_for(tpp, alice, approve=False)
    if status == "rejected":
        received = consent_for(tpp, alice, approve=False)
        return consents.consent_reject(consent_id=received.id, customer_id=alice.id, now=now)
    if status == "revokedByPsu":
        valid = consent_for(tpp, alice)
        return consents.consent_revoke(consent_id=valid.id, customer_id=alice.id, now=now)
    if status == "terminatedByTpp":
        valid = consent_for(tpp, alice)
        return consents.consent_terminate(consent_id=valid.id, application_id=tpp.application_id, now=now)
    # Approved three days ago for a payment the next day: its last day has passed.
    return consent_for(tpp, alice, now=now - timedelta(days=3))


@pytest.mark.parametrize("status", ["received", "rejected", "revokedByPsu", "terminatedByTpp", "past its day"])
def test_a_consent_not_in_force_pays_nothing(client: Client, alice: Payer, tpp: AccessToken, status: str) -> None:
    consent = consent_in(status, tpp, alice)
    refused = call(client, tpp, "post", URL, body(alice, consent))
    assert refused.status_code == 422, refused.content
    assert (refused.json()["code"], list(refused.json()["errors"])) == ("consent_not_usable", ["consent_id"])
    nothing_written(alice, consent)


def test_another_partners_consent_does_not_exist(client: Client, alice: Payer, tpp: AccessToken) -> None:
    theirs = consent_for(AccessTokenFactory(application=PartnerGrantFactory().application), alice)
    refused = call(client, tpp, "post", URL, body(alice, theirs))
    assert (refused.status_code, refused.json()["code"]) == (404, "consent_not_found")
    for junk in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert call(client, tpp, "post", URL, {**body(alice, theirs), "consent_id": junk}, key=junk).status_code == 404
    nothing_written(alice, theirs)


def test_another_partner_cannot_see_the_payment(client: Client, alice: Payer, tpp: AccessToken) -> None:
    made = call(client, tpp, "post", URL, body(alice, consent_for(tpp, alice))).json()
    stranger = AccessTokenFactory(application=PartnerGrantFactory(acting_for=None).application)
    assert call(client, stranger, "get", f"{URL}{made['id']}/").status_code == 404
    assert call(client, stranger, "post", f"{URL}{made['id']}/cancel/", key="c").status_code == 404
    assert call(client, stranger, "get", URL).json()["results"] == []


def test_the_partner_may_cancel_its_payment_before_it_is_sent(client: Client, alice: Payer, tpp: AccessToken) -> None:
    made = call(client, tpp, "post", URL, body(alice, consent_for(tpp, alice))).json()
    cancelled = call(client, tpp, "post", f"{URL}{made['id']}/cancel/", key="c")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert ledger_read.available_balance(account_id=alice.account.ledger_account_id) == Money.of("1000.00", "EUR")


def test_the_payments_webhooks_reach_that_partner_only(client: Client, alice: Payer, tpp: AccessToken) -> None:
    now = timezone.now()
    ours = webhook_endpoint_create(
        application_id=tpp.application_id, url="http://127.0.0.1:9/hook", event_types=["payment.accepted"], now=now
    )
    other = PartnerGrantFactory(acting_for=None).application
    webhook_endpoint_create(
        application_id=other.pk, url="http://127.0.0.1:9/other", event_types=["payment.accepted"], now=now
    )
    made = call(client, tpp, "post", URL, body(alice, consent_for(tpp, alice))).json()
    outbox_relay(now=now + timedelta(seconds=1))
    (delivery,) = WebhookDelivery.objects.filter(event_type="payment.accepted")
    assert delivery.endpoint_id == ours.endpoint.id
    data = json.loads(delivery.body)["data"]
    assert data == {
        "payment_id": made["id"],
        "status": "accepted",
        "amount": "25.00",
        "currency": "EUR",
        "reason_code": None,
        "consent_id": made["consent_id"],
    }


def test_a_body_other_than_consented_frees_its_key_for_the_consented_one(
    client: Client, alice: Payer, tpp: AccessToken
) -> None:
    consent = consent_for(tpp, alice)
    assert call(client, tpp, "post", URL, body(alice, consent, amount="26.00"), key="kk").status_code == 422
    paid = call(client, tpp, "post", URL, body(alice, consent), key="kk")
    assert paid.status_code == 201, paid.content
    assert Payment.objects.count() == 1


def test_a_consent_id_naming_none_of_the_partner_s_frees_its_key(
    client: Client, alice: Payer, tpp: AccessToken
) -> None:
    consent = consent_for(tpp, alice)
    unknown = {**body(alice, consent), "consent_id": "00000000-0000-0000-0000-000000000000"}
    assert call(client, tpp, "post", URL, unknown, key="kt").status_code == 404
    paid = call(client, tpp, "post", URL, body(alice, consent), key="kt")
    assert paid.status_code == 201, paid.content
