"""Back office: search, freeze through the action, refund a top-up with maker-checker."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.wallets.models import TopUp, Wallet
from apps.wallets.services import topups
from bankcore.approvals import services as approvals
from bankcore.approvals.models import ApprovalRequest
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from bankcore.testing.access import login_verified
from tests.apps.wallets.factories import customer, funded_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(email="admin@bank.test", password="x")


def test_search_by_email_and_freeze(staff: Any) -> None:
    alice = customer(email="alice-admin@example.test")
    wallet = funded_wallet(alice, "5.00", now=timezone.now())
    customer(email="zed@example.test")
    client = Client()
    login_verified(client, staff)
    page = client.get("/admin/wallets/wallet/", {"q": "alice-admin"})
    assert page.status_code == 200
    assert b"alice-admin@example.test" in page.content
    assert b"zed@" not in page.content
    client.post("/admin/wallets/wallet/", {"action": "freeze", "_selected_action": [wallet.pk]})
    wallet.refresh_from_db()
    assert wallet.status == "frozen"
    assert wallet.history.first().history_change_reason.startswith("back office")  # type: ignore[attr-defined]


def test_refund_is_a_reversing_entry_after_a_second_person_approves(staff: Any, django_user_model: Any) -> None:
    alice = customer()
    wallet = funded_wallet(alice, "0.00", now=timezone.now())
    topup = TopUp.objects.create(
        customer=alice, wallet=wallet, amount_minor=2000, currency="EUR", idempotency_key="x",
        created_at=timezone.now(), updated_at=timezone.now(), status="captured",
        entry_id=funded_entry(wallet),
    )  # fmt: skip
    client = Client()
    login_verified(client, staff)
    client.post("/admin/wallets/topup/", {"action": "request_refund", "_selected_action": [topup.pk]})
    request = ApprovalRequest.objects.get(action=topups.REFUND_ACTION)
    with pytest.raises(approvals.ApprovalRefused):
        approvals.approval_approve(request_id=request.pk, checker_id=staff.pk, now=timezone.now())
    checker = django_user_model.objects.create_superuser(email="checker@bank.test", password="x")
    approvals.approval_approve(request_id=request.pk, checker_id=checker.pk, now=timezone.now())
    topup.refresh_from_db()
    assert topup.status == "refunded"
    assert Entry.objects.filter(reverses_id=topup.entry_id).exists()
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money(0, "EUR")


def funded_entry(wallet: Wallet) -> int:
    from apps.wallets.models import BankAccount
    from apps.wallets.services.wallets import bank_account
    from bankcore.ledger import services as ledger

    clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency="EUR")
    return ledger.transfer(
        from_account_id=clearing, to_account_id=wallet.ledger_account_id, amount=Money(2000, "EUR"),
        idempotency_key=f"topup-test-{wallet.pk}",
    )  # fmt: skip
