"""Pages with secrets or account data are never stored by a browser or a shared cache."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bankcore.api import services

pytestmark = pytest.mark.django_db


def no_store(response: object) -> bool:
    return "no-store" in response.get("Cache-Control", "")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", ["/app/", "/app/security/", "/accounts/login/", "/admin/login/", "/accounts/2fa/verify/"]
)
def test_private_pages_are_no_store(client: Client, url: str) -> None:
    assert no_store(client.get(url))


def test_a_signed_in_customers_pages_are_no_store(client: Client, django_user_model: type) -> None:
    user = django_user_model.objects.create_user(email="ada@example.com", password="x")
    client.force_login(user)
    response = client.get("/app/")
    assert no_store(response)


def test_authenticated_api_answers_are_no_store(client: Client) -> None:
    partner = services.partner_create(name="Acme", scopes=["accounts:read"])
    token = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "client_id": partner.client_id, "client_secret": partner.client_secret},
    )
    assert no_store(token)
    access = json.loads(token.content)["access_token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 200
    assert no_store(me)


def test_public_pages_stay_cacheable(client: Client) -> None:
    assert not no_store(client.get("/"))
    assert not no_store(client.get("/api/schema/"))
