"""consents/ and webhook-endpoints/ over HTTP: problem+json for bad input, 404 for others' ids, scopes enforced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bankcore.api import directory
from bankcore.api.consents import PAGE_SIZE as CONSENT_PAGE
from bankcore.api.models import Consent, PartnerGrant, WebhookDelivery, WebhookEndpoint
from bankcore.api.webhooks import DELIVERY_PAGE
from tests.bankcore.api.factories import (
    AccessTokenFactory,
    AccountConsentFactory,
    PartnerGrantFactory,
    WebhookDeliveryFactory,
)
from tests.bankcore.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ALICE_IBAN = "DE89370400440532013000"


@pytest.fixture
def accounts() -> Iterator[dict[str, directory.DirectoryAccount]]:
    """Stands in for the accounts context's registration: two of Alice's accounts and one of Bob's."""
    alice, bob = UserFactory(), UserFactory()
    known = {
        "acc_1": directory.DirectoryAccount(
            account_id=1, customer_id=alice.pk, wire_id="acc_1", iban=ALICE_IBAN, currency="EUR"
        ),
        "acc_2": directory.DirectoryAccount(
            account_id=2, customer_id=alice.pk, wire_id="acc_2", iban="DE02120300000000202051", currency="EUR"
        ),
        "acc_3": directory.DirectoryAccount(
            account_id=3, customer_id=bob.pk, wire_id="acc_3", iban="DE75512108001245126199", currency="EUR"
        ),
    }
    by_iban = {a.iban: a for a in known.values()}
    by_id = {a.account_id: a for a in known.values()}
    saved = dict(directory._registered)
    directory.account_directory_register(
        resolve=lambda ref: known.get(ref) or by_iban.get(ref.replace(" ", "").upper()),
        describe=lambda account_id: by_id.get(account_id),
    )
    yield known
    directory._registered.clear()
    directory._registered.update(saved)


def api(
    client: Client,
    grant: PartnerGrant,
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = "k1",
    scope: str = "accounts:read payments:write webhooks:manage",
) -> tuple[int, Any]:
    token = AccessTokenFactory(application=grant.application, scope=scope)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    send = getattr(client, method)
    response = send(
        f"/api/v1/{path}", json.dumps(body) if body is not None else "", content_type="application/json", **headers
    )
    content = json.loads(response.content) if response.content else None
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
    return response.status_code, content


def access_body(**overrides: Any) -> dict[str, Any]:
    body = {
        # One account by its API id, the other by its IBAN (spaced as people write it).
        "access": {"accounts": ["acc_1", "DE02 1203 0000 0000 2020 51"], "balances": True},
        "valid_until": (timezone.now() + timedelta(days=30)).date().isoformat(),
        "frequency_per_day": 4,
        "recurring": True,
    }
    body.update(overrides)
    return body


class TestConsentApi:
    def test_create_read_and_terminate(self, client: Client, accounts: dict) -> None:
        grant = PartnerGrantFactory()
        status, created = api(client, grant, "post", "consents/", access_body())
        assert status == 201
        assert (created["status"], created["kind"]) == ("received", "account_access")
        assert created["access"] == {"accounts": ["acc_1", "acc_2"], "balances": True, "transactions": False}
        assert Consent.objects.get().customer_id == accounts["acc_1"].customer_id
        status, read = api(client, grant, "get", f"consents/{created['id']}/", key=None)
        assert (status, read["id"]) == (200, created["id"])
        status, listed = api(client, grant, "get", "consents/", key=None)
        assert [c["id"] for c in listed["results"]] == [created["id"]]
        assert api(client, grant, "delete", f"consents/{created['id']}/", key=None)[0] == 204
        assert Consent.objects.get().status == "terminatedByTpp"
        status, again = api(client, grant, "delete", f"consents/{created['id']}/", key=None)
        assert (status, again["code"]) == (422, "consent_not_open")

    def test_the_list_comes_in_cursor_pages_of_the_partner_s_own(self, client: Client) -> None:
        grant = PartnerGrantFactory()
        customer = UserFactory()
        made = AccountConsentFactory.create_batch(CONSENT_PAGE + 1, application=grant.application, customer=customer)
        AccountConsentFactory()  # another partner's
        status, first = api(client, grant, "get", "consents/", key=None)
        assert (status, len(first["results"])) == (200, CONSENT_PAGE)
        path = first["next"].split("/api/v1/", 1)[1]
        status, second = api(client, grant, "get", path, key=None)
        assert (status, second["next"]) == (200, None)
        seen = [c["id"] for c in first["results"] + second["results"]]
        assert seen == [str(c.public_id) for c in reversed(made)]
        status, bad = api(client, grant, "get", "consents/?cursor=nonsense", key=None)
        assert (status, list(bad["errors"])) == (400, ["cursor"])

    def test_another_partners_consent_does_not_exist(self, client: Client, accounts: dict) -> None:
        theirs = AccountConsentFactory()
        grant = PartnerGrantFactory()
        assert api(client, grant, "get", f"consents/{theirs.public_id}/", key=None)[0] == 404
        assert api(client, grant, "delete", f"consents/{theirs.public_id}/", key=None)[0] == 404
        assert api(client, grant, "get", "consents/not-a-uuid/", key=None)[0] == 404
        assert Consent.objects.get().status == "valid"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (access_body(extra=1), "extra"),
            (access_body(access={"accounts": ["acc_1"], "balances": True, "surprise": True}), "access"),
            (access_body(access={"accounts": ["nope"]}), "access"),
            (access_body(access={"accounts": ["acc_1", "acc_3"]}), "access"),  # two customers
            (access_body(frequency_per_day=5), "frequency_per_day"),
            ({"valid_until": "2026-12-30"}, "non_field_errors"),
        ],
    )
    def test_bad_input_is_a_problem_and_writes_nothing(
        self, client: Client, accounts: dict, body: dict, field: str
    ) -> None:
        status, problem = api(client, PartnerGrantFactory(), "post", "consents/", body)
        assert status == 400
        assert field in problem["errors"]
        assert not Consent.objects.exists()

    def test_valid_until_beyond_180_days_is_refused(self, client: Client, accounts: dict) -> None:
        late = (timezone.now() + timedelta(days=200)).date().isoformat()
        status, problem = api(client, PartnerGrantFactory(), "post", "consents/", access_body(valid_until=late))
        assert (status, problem["code"]) == (422, "consent_valid_until_invalid")
        assert problem["errors"] == {"valid_until": [problem["detail"]]}

    @pytest.mark.parametrize(
        ("accounts_sent", "message"),
        [
            (["acc_1", "nope"], "Unknown account 'nope'."),
            (["acc_1", "acc_3"], "A consent names the accounts of one customer."),
        ],
    )
    def test_an_account_it_cannot_name_is_refused_under_access_accounts(
        self, client: Client, accounts: dict, accounts_sent: list[str], message: str
    ) -> None:
        body = access_body(access={"accounts": accounts_sent, "balances": True})
        status, problem = api(client, PartnerGrantFactory(), "post", "consents/", body)
        assert status == 400
        assert problem["errors"] == {"access": {"accounts": [message]}}  # nested, as the serializer's own errors
        assert not Consent.objects.exists()

    def test_an_unknown_source_account_of_a_payment_consent_is_refused_under_its_field(
        self, client: Client, accounts: dict
    ) -> None:
        payment = {"source_account": "nope", "amount": "1.00", "currency": "EUR",
                   "creditor": {"name": "Muster GmbH", "iban": ALICE_IBAN}}  # fmt: skip
        status, problem = api(client, PartnerGrantFactory(), "post", "consents/", {"payment": payment})
        assert status == 400
        assert problem["errors"] == {"payment": {"source_account": ["Unknown account 'nope'."]}}

    def test_payment_consent_and_its_amount_rules(self, client: Client, accounts: dict) -> None:
        grant = PartnerGrantFactory()
        payment = {
            "source_account": "acc_1",
            "amount": "25.00",
            "currency": "EUR",
            "creditor": {"name": "Muster GmbH", "iban": "FR1420041010050500013M02606"},
            "reference": "Inv 7",
        }
        status, created = api(client, grant, "post", "consents/", {"payment": payment})
        assert status == 201
        assert created["payment"]["amount"] == "25.00"
        assert created["payment"]["source_account"] == "acc_1"
        for amount in (25, "25.001", "-1.00"):
            status, _ = api(
                client, grant, "post", "consents/", {"payment": {**payment, "amount": amount}}, key=f"k{amount}"
            )
            assert status == 400, amount
        assert Consent.objects.count() == 1

    def test_scopes_and_idempotency_key(self, client: Client, accounts: dict) -> None:
        grant = PartnerGrantFactory()
        assert api(client, grant, "post", "consents/", access_body(), scope="payments:write")[0] == 403
        status, problem = api(client, grant, "post", "consents/", access_body(), key=None)
        assert (status, problem["code"]) == (400, "idempotency_key_missing")
        assert not Consent.objects.exists()


def endpoint_created(client: Client, grant: PartnerGrant) -> tuple[int, Any]:
    """The partner registers an endpoint for ``consent.approved`` over the API."""
    body = {"url": "https://partner.example/h", "event_types": ["consent.approved"]}
    return api(client, grant, "post", "webhook-endpoints/", body)


class TestWebhookEndpointApi:
    def test_lifecycle_of_an_endpoint(self, client: Client) -> None:
        grant = PartnerGrantFactory()
        status, created = endpoint_created(client, grant)
        assert status == 201
        assert created["secret"].startswith("whsec_")
        endpoint_id = created["id"]
        status, read = api(client, grant, "get", f"webhook-endpoints/{endpoint_id}/", key=None)
        assert "secret" not in read
        status, rotated = api(client, grant, "post", f"webhook-endpoints/{endpoint_id}/rotate-secret/", {}, key="r1")
        assert status == 200
        assert rotated["secret"] != created["secret"]
        status, patched = api(client, grant, "patch", f"webhook-endpoints/{endpoint_id}/", {"enabled": False}, key=None)
        assert (status, patched["status"]) == (200, "disabled")
        status, deliveries = api(client, grant, "get", f"webhook-endpoints/{endpoint_id}/deliveries/", key=None)
        assert (status, deliveries["results"]) == (200, [])
        assert api(client, grant, "delete", f"webhook-endpoints/{endpoint_id}/", key=None)[0] == 204
        assert not WebhookEndpoint.objects.exists()

    def test_the_delivery_log_comes_in_cursor_pages(self, client: Client) -> None:
        grant = PartnerGrantFactory()
        _, created = endpoint_created(client, grant)
        made = WebhookDeliveryFactory.create_batch(DELIVERY_PAGE + 1, endpoint=WebhookEndpoint.objects.get())
        base = f"webhook-endpoints/{created['id']}/deliveries/"
        status, first = api(client, grant, "get", base, key=None)
        assert (status, len(first["results"])) == (200, DELIVERY_PAGE)
        status, second = api(client, grant, "get", first["next"].split("/api/v1/", 1)[1], key=None)
        assert (status, second["next"]) == (200, None)
        seen = [d["id"] for d in first["results"] + second["results"]]
        assert seen == [str(d.public_id) for d in reversed(made)]

    def test_another_partners_endpoint_and_deliveries_do_not_exist(self, client: Client) -> None:
        owner = PartnerGrantFactory()
        _, created = endpoint_created(client, owner)
        endpoint = WebhookEndpoint.objects.get()
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id="7c9e6679-7425-40de-944b-e07fc1f90ae7",
            event_type="consent.approved",
            body="{}",
            created_at=timezone.now(),
            next_attempt_at=timezone.now(),
            status="failed",
        )
        other = PartnerGrantFactory()
        base = f"webhook-endpoints/{created['id']}/"
        assert api(client, other, "get", base, key=None)[0] == 404
        assert api(client, other, "patch", base, {"enabled": True}, key=None)[0] == 404
        assert api(client, other, "delete", base, key=None)[0] == 404
        assert api(client, other, "post", base + "rotate-secret/", {}, key="x")[0] == 404
        assert api(client, other, "get", base + "deliveries/", key=None)[0] == 404
        assert api(client, other, "post", base + f"deliveries/{delivery.public_id}/redeliver/", {}, key="y")[0] == 404
        status, _ = api(client, owner, "post", base + f"deliveries/{delivery.public_id}/redeliver/", {}, key="z")
        assert status == 202
        delivery.refresh_from_db()
        assert delivery.status == "pending"

    def test_needs_the_webhooks_manage_scope(self, client: Client) -> None:
        status, _ = api(client, PartnerGrantFactory(), "get", "webhook-endpoints/", key=None, scope="accounts:read")
        assert status == 403

    def test_private_targets_are_refused_under_prod(self, client: Client, settings: Any) -> None:
        settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
        status, problem = api(
            client,
            PartnerGrantFactory(),
            "post",
            "webhook-endpoints/",
            {"url": "https://127.0.0.1/h", "event_types": ["consent.approved"]},
        )
        assert (status, problem["code"]) == (422, "webhook_url_private")
        assert problem["errors"] == {"url": [problem["detail"]]}

    @pytest.mark.parametrize("event_types", [["no.such.event"], ["consent.approved", "no.such.event"]])
    def test_an_unknown_event_type_is_refused_under_event_types(self, client: Client, event_types: list[str]) -> None:
        grant = PartnerGrantFactory()
        body = {"url": "https://partner.example/h", "event_types": event_types}
        status, problem = api(client, grant, "post", "webhook-endpoints/", body)
        assert (status, problem["code"]) == (422, "webhook_event_type_unknown")
        assert problem["errors"] == {"event_types": ["Unknown event type(s): no.such.event."]}
        assert not WebhookEndpoint.objects.exists()
        _, created = api(
            client, grant, "post", "webhook-endpoints/", body | {"event_types": ["consent.approved"]}, key="k2"
        )
        status, problem = api(client, grant, "patch", f"webhook-endpoints/{created['id']}/", body, key=None)
        assert (status, problem["code"], set(problem["errors"])) == (422, "webhook_event_type_unknown", {"event_types"})
