"""Back office: search by IBAN, status actions with a reason, overdraft and close as requests; roles enforced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account, AccountStatusChange, Product, ProductRate
from bankcore.approvals.models import ApprovalRequest
from bankcore.testing.access import login_verified
from bankcore.users import roles
from tests.apps.accounts.factories import open_account, staff, verified_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    return open_account(customer=verified_customer(email="holder@example.test"))


def test_support_finds_an_account_by_its_iban_typed_with_spaces(client: Client, account: Account) -> None:
    login_verified(client, staff(roles=[roles.SUPPORT_AGENT]))
    open_account()
    spaced = " ".join(account.iban[i : i + 4] for i in range(0, len(account.iban), 4)).lower()
    response = client.get("/admin/accounts/account/", {"q": spaced})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [account]
    by_customer = client.get("/admin/accounts/account/", {"q": "holder@example.test"})
    assert list(by_customer.context["cl"].result_list) == [account]
    assert client.get(f"/admin/accounts/account/{account.pk}/change/").status_code == 200


def test_support_blocks_debits_with_a_reason_through_the_back_office(client: Client, account: Account) -> None:
    agent = staff(roles=[roles.SUPPORT_AGENT])
    login_verified(client, agent)
    url = f"/admin/accounts/account/{account.pk}/status/"
    missing = client.post(url, {"status": "debit_blocked", "reason": ""})
    assert missing.status_code == 200
    assert Account.objects.get(pk=account.pk).status == "open"
    done = client.post(url, {"status": "debit_blocked", "reason": "card stolen"})
    assert done.status_code == 302
    assert Account.objects.get(pk=account.pk).status == "debit_blocked"
    assert AccountStatusChange.objects.get(account=account).changed_by_id == agent.pk


def test_a_wrong_transition_is_a_message_not_a_500(client: Client, account: Account) -> None:
    login_verified(client, staff(roles=[roles.SUPPORT_AGENT]))
    response = client.post(f"/admin/accounts/account/{account.pk}/status/", {"status": "open", "reason": "x"})
    assert response.status_code == 302  # already open: nothing to do
    Account.objects.filter(pk=account.pk).update(status="closed", closed_at=timezone.now())
    refused = client.post(f"/admin/accounts/account/{account.pk}/status/", {"status": "blocked", "reason": "x"})
    assert refused.status_code == 200
    assert "cannot become" in refused.content.decode()


def test_overdraft_and_close_become_approval_requests(client: Client, account: Account) -> None:
    agent = staff(roles=[roles.SUPPORT_AGENT])
    login_verified(client, agent)
    bad = client.post(f"/admin/accounts/account/{account.pk}/overdraft/", {"limit": "-5", "reason": "x"})
    assert bad.status_code == 200
    assert (
        client.post(
            f"/admin/accounts/account/{account.pk}/overdraft/", {"limit": "500.00", "reason": "salary late"}
        ).status_code
        == 302
    )
    assert client.post(f"/admin/accounts/account/{account.pk}/close/", {"reason": "customer asked"}).status_code == 302
    requests = ApprovalRequest.objects.filter(maker=agent).order_by("id")
    assert [(r.action, r.status) for r in requests] == [
        ("accounts.account.overdraft", "pending"),
        ("accounts.account.close", "pending"),
    ]
    assert requests[0].payload["limit_minor"] == 50_000
    assert Account.objects.get(pk=account.pk).overdraft_limit_minor == 0


@pytest.mark.parametrize("action", ["status", "overdraft", "close"])
def test_an_auditor_may_look_but_not_act(client: Client, account: Account, action: str) -> None:
    login_verified(client, staff(roles=[roles.AUDITOR]))
    assert client.get(f"/admin/accounts/account/{account.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/account/{account.pk}/{action}/").status_code == 403
    assert (
        client.post(f"/admin/accounts/account/{account.pk}/{action}/", {"status": "blocked", "reason": "x"}).status_code
        == 403
    )
    assert Account.objects.get(pk=account.pk).status == "open"


def test_a_fraud_analyst_may_block_but_not_ask_for_an_overdraft(client: Client, account: Account) -> None:
    login_verified(client, staff(roles=[roles.FRAUD_ANALYST]))
    assert client.get(f"/admin/accounts/account/{account.pk}/status/").status_code == 200
    assert client.get(f"/admin/accounts/account/{account.pk}/overdraft/").status_code == 403


@pytest.mark.parametrize("path", ["account/", "product/", "productrate/new/"])
def test_a_customer_never_reaches_the_back_office(client: Client, account: Account, path: str) -> None:
    login_verified(client, account.customer)
    response = client.get(f"/admin/accounts/{path}")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_an_accounts_role_is_refused(client: Client, account: Account) -> None:
    login_verified(client, staff(roles=[roles.KYC_OFFICER]))
    assert client.get("/admin/accounts/account/").status_code == 403
    assert client.get(f"/admin/accounts/account/{account.pk}/status/").status_code == 403


def test_an_administrator_edits_a_product_with_history_and_sets_rates_only_from_today(client: Client) -> None:
    admin_user = staff(roles=[roles.ADMINISTRATOR])
    login_verified(client, admin_user)
    product = Product.objects.get(code="savings")
    data = {
        "name": "Savings plus", "kind": "savings", "currencies": '["EUR", "GBP"]', "max_accounts_per_customer": 2,
        "min_kyc_tier": 2, "monthly_fee_minor": 0, "interest_posting_day": 31, "is_open_for_new_accounts": "on",
        "rates-TOTAL_FORMS": 0, "rates-INITIAL_FORMS": ProductRate.objects.filter(product=product).count(),
        "rates-MIN_NUM_FORMS": 0, "rates-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    response = client.post(f"/admin/accounts/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.name == "Savings plus"
    assert product.currencies == ["EUR", "GBP"]
    assert product.history.filter(history_user=admin_user).exists()  # type: ignore[attr-defined]
    today = timezone.now().date()
    past = client.post(
        "/admin/accounts/productrate/new/",
        {
            "product": product.pk,
            "effective_from": (today - timedelta(days=3)).isoformat(),
            "credit_tiers": "0 0.02",
            "debit_annual_rate": "0",
        },
    )
    assert past.status_code == 200
    assert "never in the past" in past.content.decode()
    future = client.post(
        "/admin/accounts/productrate/new/",
        {
            "product": product.pk,
            "effective_from": (today + timedelta(days=7)).isoformat(),
            "credit_tiers": "0 0.02\n500000 0.03",
            "debit_annual_rate": "0",
        },
    )
    assert future.status_code == 302
    newest = ProductRate.objects.filter(product=product).order_by("-effective_from").first()
    assert newest is not None
    assert [(t.from_balance_minor, str(t.annual_rate)) for t in newest.tiers.order_by("from_balance_minor")] == [
        (0, "0.020000"),
        (500_000, "0.030000"),
    ]


def test_a_product_with_an_unknown_currency_is_a_form_error(client: Client) -> None:
    login_verified(client, staff(roles=[roles.ADMINISTRATOR]))
    product = Product.objects.get(code="current")
    data = {
        "name": "Current", "kind": "current", "currencies": '["EUR", "XYZ"]', "max_accounts_per_customer": 3,
        "min_kyc_tier": 1, "monthly_fee_minor": 0, "interest_posting_day": 31,
        "rates-TOTAL_FORMS": 0, "rates-INITIAL_FORMS": 1, "rates-MIN_NUM_FORMS": 0, "rates-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    response = client.post(f"/admin/accounts/product/{product.pk}/change/", data)
    assert response.status_code == 200
    product.refresh_from_db()
    assert "XYZ" not in product.currencies
