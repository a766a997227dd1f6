"""Partners: OAuth2 client credentials at /o/token/, scopes limited to what each partner was granted."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import Application

from bankcore.api import services
from bankcore.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner() -> services.PartnerCredentials:
    return services.partner_create(name="Acme Payroll", scopes=["accounts:read", "payments:write"])


def token(client: Client, credentials: services.PartnerCredentials, scope: str | None = None) -> tuple[int, dict]:
    data = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    if scope is not None:
        data["scope"] = scope
    response = client.post("/o/token/", data)
    return response.status_code, json.loads(response.content)


def test_client_credentials_give_a_token_with_the_asked_scopes(
    client: Client, partner: services.PartnerCredentials
) -> None:
    status, body = token(client, partner, "accounts:read")
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "accounts:read"
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200
    assert json.loads(me.content)["partner"] == "Acme Payroll"
    assert json.loads(me.content)["scopes"] == ["accounts:read"]


def test_no_scope_asked_gives_every_granted_scope(client: Client, partner: services.PartnerCredentials) -> None:
    status, body = token(client, partner)
    assert status == 200
    assert sorted(body["scope"].split()) == ["accounts:read", "payments:write"]


@pytest.mark.parametrize("scope", ["wallets:write", "accounts:read wallets:read", "admin"])
def test_a_scope_not_granted_is_refused(client: Client, partner: services.PartnerCredentials, scope: str) -> None:
    status, body = token(client, partner, scope)
    assert status == 400
    assert body["error"] == "invalid_scope"


def test_a_wrong_secret_is_refused_and_the_secret_is_stored_hashed(
    client: Client, partner: services.PartnerCredentials
) -> None:
    wrong = services.PartnerCredentials(partner.application_id, partner.client_id, "not-the-secret")
    status, body = token(client, wrong)
    assert status == 401
    assert body["error"] == "invalid_client"
    assert Application.objects.get(pk=partner.application_id).client_secret != partner.client_secret


def test_api_without_token_or_with_a_customer_session_is_refused(client: Client) -> None:
    anonymous = client.get("/api/v1/me/")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer forged").status_code == 401
    customer = User.objects.create_user(email="c@example.com", password="x")
    client.force_login(customer)
    # The API reads tokens only: a portal session is no credential here at all.
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def test_only_the_token_endpoints_are_exposed(client: Client) -> None:
    # Self-service application registration would let anyone become a partner.
    assert client.get("/o/applications/").status_code == 404
    assert client.get("/o/authorize/").status_code == 404


@pytest.mark.parametrize(
    ("name", "scopes", "code"),
    [("", ["accounts:read"], "name_required"), ("X", ["root"], "unknown_scope"), ("X", [], "scopes_required")],
)
def test_bad_partner_registrations_are_refused(name: str, scopes: list[str], code: str) -> None:
    with pytest.raises(services.PartnerRefused) as refused:
        services.partner_create(name=name, scopes=scopes)
    assert refused.value.code == code
    assert not Application.objects.exists()


def test_partner_create_command_prints_the_secret_once_and_refuses_duplicates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("partner_create", "Beta Bank", "--scopes", "payments:read")
    out = capsys.readouterr().out
    assert "client_secret:" in out
    with pytest.raises(CommandError, match="exists already"):
        call_command("partner_create", "Beta Bank", "--scopes", "payments:read")


def test_a_partner_may_act_for_one_business_customer() -> None:
    business = User.objects.create_user(email="acme@example.com", password="x")
    credentials = services.partner_create(name="Acme Payouts", scopes=["payments:write"], acting_for_id=business.pk)
    assert Application.objects.get(pk=credentials.application_id).partner_grant.acting_for_id == business.pk
    services.partner_acting_for_set(application_id=credentials.application_id, customer_id=None)
    assert Application.objects.get(pk=credentials.application_id).partner_grant.acting_for_id is None


def test_acting_for_must_be_an_active_customer() -> None:
    staff = User.objects.create_user(email="ops@bank.test", password="x", is_staff=True)
    for customer_id in (staff.pk, 999_999):
        with pytest.raises(services.PartnerRefused) as refused:
            services.partner_create(name=f"P{customer_id}", scopes=["payments:write"], acting_for_id=customer_id)
        assert refused.value.code == "customer_unknown"
    assert not Application.objects.exists()


def test_command_sets_acting_for_by_email() -> None:
    business = User.objects.create_user(email="acme@example.com", password="x")
    call_command("partner_create", "Acme Payouts", "--scopes", "payments:write", "--acting-for", "ACME@example.com")
    assert Application.objects.get(name="Acme Payouts").partner_grant.acting_for_id == business.pk
    with pytest.raises(CommandError, match="No customer"):
        call_command("partner_create", "Other", "--scopes", "payments:write", "--acting-for", "nobody@example.com")
