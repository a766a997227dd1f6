"""Partner API accounts/…: the partner's own business customer's accounts; everything else is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts import wire
from apps.accounts.models import Account
from bankcore.api.models import PartnerGrant
from bankcore.users.models import User
from tests.apps.accounts.factories import open_account, verified_customer, with_history
from tests.bankcore.api.factories import AccessTokenFactory, AccountConsentFactory, PartnerGrantFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def acme() -> User:
    return verified_customer(full_name="Acme GmbH", email="acme-api@example.test")


@pytest.fixture
def acme_account(acme: User) -> Account:
    account = open_account(customer=acme, product_code="business-current", now=START - timedelta(days=1))
    with_history(
        account,
        [(START + timedelta(hours=6 * n), -12_345 if n % 3 == 2 else 50_000, f"Invoice {n}") for n in range(130)],
    )
    return account


@pytest.fixture
def partner(acme: User) -> PartnerGrant:
    return PartnerGrantFactory(acting_for=acme)


def client_for(grant: PartnerGrant, scope: str = "accounts:read") -> APIClient:
    token = AccessTokenFactory(application=grant.application, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


def get(client: APIClient, path: str, **params: Any) -> Any:
    return client.get(f"/api/v1/accounts/{path}", params)


class TestOwnCustomer:
    def test_lists_the_business_customers_accounts(self, partner: PartnerGrant, acme_account: Account) -> None:
        other = open_account()
        response = get(client_for(partner), "")
        assert response.status_code == 200
        body = response.json()
        assert body["next"] is None
        assert [a["id"] for a in body["results"]] == [f"acc_{acme_account.pk}"]
        assert wire.account_wire_id(other.pk) not in response.content.decode()
        first = body["results"][0]
        assert first["iban"] == acme_account.iban
        assert first["holder_name"] == "Acme GmbH"
        assert first["status"] == "open"

    def test_balances_in_the_documented_shape(self, partner: PartnerGrant, acme_account: Account) -> None:
        body = get(client_for(partner), f"acc_{acme_account.pk}/balances/").json()
        # 130 movements: 87 in of 500.00 and 43 out of 123.45.
        booked = 87 * 50_000 - 43 * 12_345
        assert body == {
            "booked": {"amount": f"{booked // 100}.{booked % 100:02d}", "currency": "EUR"},
            "available": {"amount": f"{booked // 100}.{booked % 100:02d}", "currency": "EUR"},
            "overdraft_limit": {"amount": "0.00", "currency": "EUR"},
        }

    def test_transactions_newest_first_through_every_cursor(self, partner: PartnerGrant, acme_account: Account) -> None:
        client = client_for(partner)
        seen: list[dict[str, Any]] = []
        url: str | None = f"/api/v1/accounts/acc_{acme_account.pk}/transactions/"
        while url:
            page = client.get(url).json()
            seen += page["results"]
            url = page["next"]
        assert len(seen) == 130
        assert [t["booked_at"] for t in seen] == sorted((t["booked_at"] for t in seen), reverse=True)
        first = seen[0]
        assert set(first) == {
            "id",
            "booked_at",
            "value_date",
            "amount",
            "currency",
            "counterparty",
            "reference",
            "balance_after",
        }
        assert first["id"].startswith("txn_")
        assert first["amount"] == "500.00"  # n = 129: money in
        assert first["reference"] == "Invoice 129"
        assert seen[1]["amount"] == "-123.45"  # n = 128: money out, signed negative

    def test_booked_from_and_to_are_bank_days(self, partner: PartnerGrant, acme_account: Account) -> None:
        body = get(
            client_for(partner),
            f"acc_{acme_account.pk}/transactions/",
            booked_from="2026-09-02",
            booked_to="2026-09-03",
        ).json()
        days = {t["value_date"] for t in body["results"]}
        assert days == {"2026-09-02", "2026-09-03"}
        assert len(body["results"]) == 8

    @pytest.mark.parametrize(
        "params",
        [
            {"booked_from": "02/09/2026"},
            {"booked_from": "2026-09-05", "booked_to": "2026-09-01"},
            {"cursor": "not-ours"},
            {"cursor": "YjA"},
        ],
    )
    def test_bad_queries_are_problems(
        self, partner: PartnerGrant, acme_account: Account, params: dict[str, str]
    ) -> None:
        response = get(client_for(partner), f"acc_{acme_account.pk}/transactions/", **params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"]


class TestNotVisible:
    def test_every_url_of_another_customers_account_is_404(self, partner: PartnerGrant) -> None:
        stranger = open_account()
        client = client_for(partner)
        for path in ("", "balances/", "transactions/"):
            response = get(client, f"acc_{stranger.pk}/{path}")
            assert response.status_code == 404, path
            assert response["Content-Type"].startswith("application/problem+json")

    @pytest.mark.parametrize("account_id", ["999999", "acc_0", "acc_00012", "acc_x", "acc_99999999"])
    def test_malformed_or_unknown_ids_are_404(self, partner: PartnerGrant, account_id: str) -> None:
        assert get(client_for(partner), f"{account_id}/").status_code == 404

    def test_another_partner_sees_nothing_of_acme(self, acme_account: Account) -> None:
        other = PartnerGrantFactory(acting_for=verified_customer())
        client = client_for(other)
        assert get(client, "").json()["results"] == []
        for path in ("", "balances/", "transactions/"):
            assert get(client, f"acc_{acme_account.pk}/{path}").status_code == 404

    def test_a_partner_acting_for_nobody_lists_nothing(self, acme_account: Account) -> None:
        client = client_for(PartnerGrantFactory(acting_for=None))
        assert get(client, "").json() == {"results": [], "next": None}

    def test_without_the_scope_it_is_refused(self, partner: PartnerGrant, acme_account: Account) -> None:
        response = get(client_for(partner, scope="payments:read"), f"acc_{acme_account.pk}/")
        assert response.status_code == 403

    def test_without_a_token_it_is_refused(self, acme_account: Account) -> None:
        assert APIClient().get(f"/api/v1/accounts/acc_{acme_account.pk}/").status_code == 401


def test_a_consent_opens_another_customers_account_to_the_partner() -> None:
    customer = verified_customer()
    account = open_account(customer=customer)
    grant = PartnerGrantFactory(acting_for=None)
    AccountConsentFactory(
        application=grant.application,
        customer=customer,
        account_ids=[account.pk],
        valid_until=datetime.now(UTC).date() + timedelta(days=30),
    )
    client = client_for(grant)
    assert [a["id"] for a in get(client, "").json()["results"]] == [f"acc_{account.pk}"]
    assert get(client, f"acc_{account.pk}/balances/").status_code == 200
