"""Every partner endpoint by every way to be refused, read from the schema so none can be forgotten.

Each row removes every obstacle but one: the token is otherwise valid and holds every other scope,
the object exists and belongs to the partner. No token is 401; a token without the operation's
scope is 403; another partner's object, and a customer's account whose consent has expired or
been revoked, are 404 (as an unknown id: nothing to probe). A control row proves the partner's own
request with all its scopes gets through each gate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from oauth2_provider.models import AccessToken
from oauth2_provider.settings import oauth2_settings

from apps.wallets import interface as wallets
from bankcore.api import webhooks
from bankcore.api.models import Consent
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME
from tests.bankcore.api.factories import AccessTokenFactory, SandboxLike, sandbox_like_partner

pytestmark = pytest.mark.django_db

ALL_SCOPES = sorted(oauth2_settings.SCOPES)
REFUSALS = (401, 403, 404)


@cache
def operations() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, required scopes) of every operation of the served schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            scopes: tuple[str, ...] = ()
            for requirement in operation.get("security", []):
                scopes = tuple(requirement.get("oauth2", scopes))
            found.append((method, path, scopes))
    return sorted(found)


@dataclass
class World:
    mine: SandboxLike
    token: AccessToken  # the partner's, every scope
    ids: dict[str, str]  # path parameter → the partner's own object
    other: AccessToken  # another partner's, every scope, acting for its own customer


def _bearer(token: AccessToken) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}


def _call(client: Client, method: str, url: str, token: AccessToken | None, key: str = "authz") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key, **(_bearer(token) if token is not None else {})}
    if method == "get":
        return client.get(url, **headers)
    return getattr(client, method)(url, "{}", content_type="application/json", **headers)


def _created(client: Client, token: AccessToken, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=url, **_bearer(token)
    )
    assert response.status_code == 201, response.content
    created: dict[str, Any] = json.loads(response.content)
    return created


@pytest.fixture
def world(client: Client) -> World:
    mine = sandbox_like_partner()
    token = AccessTokenFactory(application_id=mine.application_id, scope=" ".join(ALL_SCOPES))
    payment = _created(
        client,
        token,
        "/api/v1/payments/",
        {
            "source_account": f"acc_{mine.acme.account.pk}",
            "amount": "5.00",
            "currency": "EUR",
            "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
            "reference": "Authz",
        },
    )
    batch = _created(
        client,
        token,
        "/api/v1/payment-batches/",
        {
            "source_account": f"acc_{mine.acme.account.pk}",
            "payments": [
                {
                    "amount": "5.00",
                    "currency": "EUR",
                    "creditor": {"name": EXTERNAL_NAME, "iban": EXTERNAL_IBAN},
                    "reference": "Authz batch",
                }
            ],
        },
    )
    endpoint = webhooks.webhook_endpoint_create(
        application_id=mine.application_id,
        url="https://8.8.8.8/hooks",
        event_types=["consent.approved"],
        now=timezone.now(),
    )
    wallet = wallets.wallet_for_customer(customer_id=mine.acme.user.pk, currency="EUR")
    other = sandbox_like_partner()
    return World(
        mine=mine,
        token=token,
        ids={
            "account_id": f"acc_{mine.acme.account.pk}",
            "payment_id": payment["id"],
            "batch_id": batch["id"],
            "consent_id": str(mine.consent.public_id),
            "endpoint_id": str(endpoint.endpoint.public_id),
            "delivery_id": "whd_unknown",
            "wallet_id": str(wallet.id),
            "transfer_id": "1",
        },
        other=AccessTokenFactory(application_id=other.application_id, scope=" ".join(ALL_SCOPES)),
    )


def _url(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"{path}: give this table an object for the new path parameter"
    return path


def test_the_table_covers_the_whole_api() -> None:
    assert len(operations()) >= 25


@pytest.mark.parametrize(("method", "path", "scopes"), operations())
def test_no_token_is_401(client: Client, world: World, method: str, path: str, scopes: tuple[str, ...]) -> None:
    response = _call(client, method, _url(path, world.ids), None)
    assert response.status_code == 401, (method, path)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "scopes"), [op for op in operations() if op[2]])
def test_a_token_without_the_scope_is_403(
    client: Client, world: World, method: str, path: str, scopes: tuple[str, ...]
) -> None:
    others = " ".join(s for s in ALL_SCOPES if s not in scopes)
    lacking = AccessTokenFactory(application_id=world.mine.application_id, scope=others)
    response = _call(client, method, _url(path, world.ids), lacking)
    assert response.status_code == 403, (method, path, response.content)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "scopes"), [op for op in operations() if "{" in op[1]])
def test_another_partners_object_is_404(
    client: Client, world: World, method: str, path: str, scopes: tuple[str, ...]
) -> None:
    response = _call(client, method, _url(path, world.ids), world.other)
    assert response.status_code == 404, (method, path, response.content)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "scopes"), [op for op in operations() if "{" in op[1]])
def test_the_partners_own_object_gets_through_every_gate(
    client: Client, world: World, method: str, path: str, scopes: tuple[str, ...]
) -> None:
    if path.endswith("/redeliver/"):
        pytest.skip("no delivery exists yet: its own test makes one (test_webhooks)")
    if path.startswith("/api/v1/wallet-transfers/"):
        pytest.skip("no transfer exists yet: the wallets API tests read one")
    response = _call(client, method, _url(path, world.ids), world.token, key=f"own {method} {path}")
    assert response.status_code not in REFUSALS, (method, path, response.content)


CONSENT_ENDS = {
    "expired": {"valid_until": date.today() - timedelta(days=1)},
    "revoked": {"status": Consent.Status.REVOKED_BY_PSU},
}


@pytest.mark.parametrize("end", sorted(CONSENT_ENDS))
@pytest.mark.parametrize(("method", "path", "scopes"), [op for op in operations() if "{account_id}" in op[1]])
def test_an_ended_consent_opens_nothing(
    client: Client, world: World, end: str, method: str, path: str, scopes: tuple[str, ...]
) -> None:
    alice = {**world.ids, "account_id": f"acc_{world.mine.alice.account.pk}"}
    url = _url(path, alice)
    assert _call(client, method, url, world.token).status_code == 200, "the consent opens it while valid"
    Consent.objects.filter(pk=world.mine.consent.pk).update(**CONSENT_ENDS[end])
    response = _call(client, method, url, world.token)
    assert response.status_code == 404, (end, method, path)
    listed = json.loads(client.get("/api/v1/accounts/", **_bearer(world.token)).content)["results"]
    assert alice["account_id"] not in {a["id"] for a in listed}
