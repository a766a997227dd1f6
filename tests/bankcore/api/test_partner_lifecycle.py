"""Partner organisations in the back office: only the right staff; secrets once; revoked, rotated and
suspended credentials stop working at /o/token/ (RFC 6749 §5.2) and in the API (401 problem+json)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from bankcore.api import partners
from bankcore.api.models import PartnerAction, PartnerGrant
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.bankcore.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/api/partnergrant/add/"


def operation_url(grant_id: int, op: str) -> str:
    return reverse("admin:api_partnergrant_operation", args=[grant_id, op])


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def manager() -> User:
    return StaffFactory(role=roles.PARTNER_MANAGER)


@pytest.fixture
def registered(manager: User, now: datetime) -> tuple[int, partners.PartnerCredentials]:
    grant_id, _ = partners.partner_register(
        name="Payroll Co", scopes=["accounts:read", "payments:read"], actor_id=manager.pk, reason="contract 7", now=now
    )
    return grant_id, partners.partner_credentials_issue(grant_id=grant_id, actor_id=manager.pk, reason="go", now=now)


def token(client: Client, client_id: str, secret: str) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    return response.status_code, json.loads(response.content)


def me(client: Client, access_token: str) -> Any:
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def assert_invalid_client(status: int, body: dict[str, Any]) -> None:
    assert status == 401
    assert body["error"] == "invalid_client"  # OAuth2's own body, not problem+json


def assert_token_refused(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 401


class TestBackOfficeDoors:
    @pytest.mark.parametrize("role", [roles.SUPPORT_AGENT, roles.PAYMENTS_OPERATOR, roles.AUDITOR])
    def test_staff_without_the_permission_are_refused(
        self, client: Client, role: str, registered: tuple[int, Any]
    ) -> None:
        grant_id, _ = registered
        login_verified(client, StaffFactory(role=role))
        before = PartnerAction.objects.count()
        assert client.post(ADD, {"name": "X", "scopes": ["accounts:read"], "reason": "r"}).status_code == 403
        for op in ("credentials", "revoke", "suspend", "scopes", "acting-for"):
            assert client.post(operation_url(grant_id, op), {"reason": "r"}).status_code == 403, op
        assert PartnerGrant.objects.count() == 1
        assert PartnerAction.objects.count() == before

    def test_create_then_issue_shows_the_secret_once_and_stores_its_hash(self, client: Client, manager: User) -> None:
        login_verified(client, manager)
        acme = UserFactory(email="acme@example.test")
        response = client.post(
            ADD,
            {
                "name": "Payouts Ltd",
                "contact_email": "Ops@Payouts.example",
                "scopes": ["payments:read", "payments:write"],
                "acting_for": "acme@example.test",
                "reason": "signed contract 12",
            },
        )
        grant = PartnerGrant.objects.get()
        assert response.status_code == 302
        assert (grant.acting_for_id, grant.contact_email, grant.scopes) == (
            acme.pk,
            "ops@payouts.example",
            "payments:read payments:write",
        )
        status, body = token(client, grant.application.client_id, "anything")
        assert_invalid_client(status, body)  # no credentials issued yet

        page = client.post(operation_url(grant.pk, "credentials"), {"reason": "first issue"})
        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]
        secret = re.search(r'<code class="secret">([^<]+)</code>', page.content.decode())
        assert secret is not None
        grant.application.refresh_from_db()
        assert grant.application.client_secret != secret.group(1)  # only the hash is kept
        status, body = token(client, grant.application.client_id, secret.group(1))
        assert status == 200

        again = client.get(reverse("admin:api_partnergrant_change", args=[grant.pk]))
        assert again.status_code == 200
        assert secret.group(1) not in again.content.decode()
        log = list(
            PartnerAction.objects.filter(grant=grant).order_by("at", "id").values_list("action", "actor", "reason")
        )
        assert log == [
            ("created", manager.pk, "signed contract 12"),
            ("credentials_issued", manager.pk, "first issue"),
        ]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"name": "P", "scopes": ["accounts:read"], "reason": ""}, "This field is required"),
            ({"name": "P", "scopes": [], "reason": "r"}, "This field is required"),
            ({"name": "P", "scopes": ["accounts:read"], "acting_for": "nobody@x.test", "reason": "r"}, "No customer"),
            ({"name": "Payroll Co", "scopes": ["accounts:read"], "reason": "r"}, "exists already"),
        ],
    )
    def test_bad_input_is_a_message_and_writes_nothing(
        self, client: Client, manager: User, registered: tuple[int, Any], data: dict[str, Any], message: str
    ) -> None:
        login_verified(client, manager)
        response = client.post(ADD, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert PartnerGrant.objects.count() == 1

    def test_an_operation_without_a_reason_changes_nothing(
        self, client: Client, manager: User, registered: tuple[int, Any]
    ) -> None:
        grant_id, _ = registered
        login_verified(client, manager)
        response = client.post(operation_url(grant_id, "suspend"), {"reason": "  "})
        assert response.status_code == 200
        assert "Say why" in response.content.decode() or "required" in response.content.decode()
        assert PartnerGrant.objects.get(pk=grant_id).status == "active"


class TestCredentials:
    def test_a_rotated_secrets_old_value_gets_no_token(
        self, client: Client, registered: tuple[int, partners.PartnerCredentials], manager: User, now: datetime
    ) -> None:
        grant_id, old = registered
        status, first = token(client, old.client_id, old.client_secret)
        assert status == 200
        new = partners.partner_credentials_issue(grant_id=grant_id, actor_id=manager.pk, reason="leaked", now=now)
        assert new.client_id == old.client_id
        assert_invalid_client(*token(client, old.client_id, old.client_secret))
        assert_token_refused(me(client, first["access_token"]))  # tokens of the old secret are gone too
        status, body = token(client, new.client_id, new.client_secret)
        assert status == 200
        assert me(client, body["access_token"]).status_code == 200

    def test_revoked_credentials_get_no_token_and_their_tokens_are_refused(
        self, client: Client, registered: tuple[int, partners.PartnerCredentials], manager: User, now: datetime
    ) -> None:
        grant_id, credentials = registered
        _, body = token(client, credentials.client_id, credentials.client_secret)
        assert partners.partner_credentials_revoke(grant_id=grant_id, actor_id=manager.pk, reason="ended", now=now) == 1
        assert_token_refused(me(client, body["access_token"]))
        assert_invalid_client(*token(client, credentials.client_id, credentials.client_secret))
        assert PartnerGrant.objects.get(pk=grant_id).credentials_revoked_at == now

    def test_a_suspended_partner_gets_no_token_until_unsuspended(
        self, client: Client, registered: tuple[int, partners.PartnerCredentials], manager: User, now: datetime
    ) -> None:
        grant_id, credentials = registered
        _, body = token(client, credentials.client_id, credentials.client_secret)
        partners.partner_suspend(grant_id=grant_id, actor_id=manager.pk, reason="unpaid invoice", now=now)
        assert_token_refused(me(client, body["access_token"]))
        assert_invalid_client(*token(client, credentials.client_id, credentials.client_secret))
        with pytest.raises(partners.PartnerRefused) as twice:
            partners.partner_suspend(grant_id=grant_id, actor_id=manager.pk, reason="again", now=now)
        assert twice.value.code == "already_suspended"

        partners.partner_unsuspend(grant_id=grant_id, actor_id=manager.pk, reason="paid", now=now)
        status, again = token(client, credentials.client_id, credentials.client_secret)
        assert status == 200
        assert me(client, again["access_token"]).status_code == 200

    def test_a_token_minted_while_suspended_is_refused_all_the_same(
        self, client: Client, registered: tuple[int, partners.PartnerCredentials], manager: User, now: datetime
    ) -> None:
        grant_id, _ = registered
        partners.partner_suspend(grant_id=grant_id, actor_id=manager.pk, reason="review", now=now)
        grant = PartnerGrant.objects.get(pk=grant_id)
        raced = AccessToken.objects.create(
            application=grant.application, token="raced-token", scope="accounts:read", expires=now.replace(year=2099)
        )
        assert_token_refused(me(client, raced.token))

    def test_taking_a_scope_away_revokes_the_tokens_that_carry_it(
        self, client: Client, registered: tuple[int, partners.PartnerCredentials], manager: User, now: datetime
    ) -> None:
        grant_id, credentials = registered
        client_id, secret = credentials.client_id, credentials.client_secret
        reads = client.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": "accounts:read",
            },
        ).json()["access_token"]
        payments = client.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": "payments:read",
            },
        ).json()["access_token"]
        revoked = partners.partner_scopes_set(
            grant_id=grant_id, scopes=["accounts:read"], actor_id=manager.pk, reason="narrowed", now=now
        )
        assert revoked == 1
        assert me(client, reads).status_code == 200
        assert_token_refused(me(client, payments))
        action = PartnerAction.objects.filter(grant_id=grant_id, action="scopes_set").get()
        assert action.details == {"before": "accounts:read payments:read", "after": "accounts:read"}

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            (lambda g, a, n: partners.partner_scopes_set(grant_id=g, scopes=["nope"], actor_id=a, reason="r", now=n),
             "unknown_scope"),
            (lambda g, a, n: partners.partner_acting_for_change(
                grant_id=g, customer_id=-1, actor_id=a, reason="r", now=n), "customer_unknown"),
            (lambda g, a, n: partners.partner_unsuspend(grant_id=g, actor_id=a, reason="r", now=n), "not_suspended"),
            (lambda g, a, n: partners.partner_credentials_revoke(grant_id=g, actor_id=a, reason="", now=n),
             "reason_required"),
            (lambda g, a, n: partners.partner_suspend(grant_id=g + 999, actor_id=a, reason="r", now=n),
             "partner_unknown"),
        ],
    )  # fmt: skip
    def test_refusals_have_codes_and_write_nothing(
        self, registered: tuple[int, Any], manager: User, now: datetime, change: Any, code: str
    ) -> None:
        grant_id, _ = registered
        before = PartnerAction.objects.count()
        with pytest.raises(partners.PartnerRefused) as refused:
            change(grant_id, manager.pk, now)
        assert refused.value.code == code
        assert PartnerAction.objects.count() == before
