"""Limits are data the back office edits, every edit kept; a customer's standing is not edited by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from apps.kyc import interface as kyc
from apps.kyc.models import CustomerKyc, Limit
from bankcore.money import Money
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.kyc.factories import CustomerFactory, CustomerKycFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def admin_user(client: Client) -> User:
    user = User.objects.create_superuser(email="admin@bank.test", password="x-Passw0rd-123")
    login_verified(client, user)
    return user


def test_an_administrator_edits_a_limit_and_the_old_value_is_kept(client: Client, admin_user: User) -> None:
    limit = Limit.objects.get(tier_id=1, risk_rating="", kind="payment_out")
    response = client.post(
        f"/admin/kyc/limit/{limit.pk}/change/",
        {"tier": 1, "risk_rating": "", "kind": "payment_out", "per_transaction_minor": 3000},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    limit.refresh_from_db()
    assert limit.per_transaction_minor == 3000
    history = list(limit.history.order_by("history_date").values_list("per_transaction_minor", flat=True))  # type: ignore[attr-defined]
    assert history[-1] == 3000
    assert limit.history.filter(history_user=admin_user).exists()  # type: ignore[attr-defined]
    customer_id = CustomerKycFactory(tier_id=1).customer_id
    with pytest.raises(kyc.LimitExceeded) as caught:
        kyc.limits_check(customer_id=customer_id, kind="payment_out", amount=Money.of("30.01", "EUR"), now=NOW)
    assert caught.value.limit == Money.of("30.00", "EUR")
    assert client.get(f"/admin/kyc/limit/{limit.pk}/history/").status_code == 200


def test_a_negative_limit_is_a_form_error(client: Client, admin_user: User) -> None:
    limit = Limit.objects.get(tier_id=1, risk_rating="", kind="payment_out")
    response = client.post(
        f"/admin/kyc/limit/{limit.pk}/change/",
        {"tier": 1, "risk_rating": "", "kind": "payment_out", "per_transaction_minor": -1},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    limit.refresh_from_db()
    assert limit.per_transaction_minor == 5000


def test_a_customers_standing_is_read_only_in_the_back_office(client: Client, admin_user: User) -> None:
    status = CustomerKycFactory(tier_id=1)
    page = client.get(f"/admin/kyc/customerkyc/{status.pk}/change/")
    assert page.status_code == 200
    client.post(f"/admin/kyc/customerkyc/{status.pk}/change/", {"tier": 2, "risk_rating": "low"})
    status.refresh_from_db()
    assert status.tier_id == 1


def test_an_auditor_reads_limits_and_changes_none(client: Client) -> None:
    roles.roles_sync()
    auditor = User.objects.create_user(email="auditor@bank.test", password="x-Passw0rd-123", is_staff=True)
    roles.user_roles_set(user_id=auditor.pk, roles=[roles.AUDITOR])
    login_verified(client, auditor)
    limit = Limit.objects.get(tier_id=1, risk_rating="", kind="payment_out")
    assert client.get("/admin/kyc/limit/").status_code == 200
    client.post(
        f"/admin/kyc/limit/{limit.pk}/change/",
        {"tier": 1, "risk_rating": "", "kind": "payment_out", "per_transaction_minor": 999_999},
    )
    limit.refresh_from_db()
    assert limit.per_transaction_minor == 5000


def test_a_customer_cannot_reach_the_limits(client: Client) -> None:
    login_verified(client, CustomerFactory())
    response = client.get("/admin/kyc/limit/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert CustomerKyc.objects.count() == 0
