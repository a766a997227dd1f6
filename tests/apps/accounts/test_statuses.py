"""Statuses: blocks with a reason, audited and told; close and overdraft only through maker-checker."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.accounts.errors import StatusChangeRefused
from apps.accounts.models import Account, AccountStatusChange
from apps.accounts.services import statuses
from bankcore.approvals import services as approvals
from bankcore.approvals.models import ApprovalRequest
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.accounts.factories import fund, open_account, staff, verified_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def support() -> User:
    return staff(roles=[roles.SUPPORT_AGENT])


@pytest.fixture
def checker() -> User:
    return staff(roles=[roles.PAYMENTS_OPERATOR])


def _bank(currency: str = "EUR") -> int:
    return ledger.account_open(name=f"Elsewhere {currency}", currency=currency, allow_negative=True, kind="internal")


class TestBlocks:
    def test_debit_block_receives_but_cannot_send(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        fund(account, 10_000)
        statuses.account_debits_block(account_id=account.pk, reason="suspicious login", actor_id=support.pk, now=now)
        account.refresh_from_db()
        assert account.status == "debit_blocked"
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).status == "credit_only"
        fund(account, 500)
        with pytest.raises(ledger.AccountCreditOnly):
            ledger.transfer(
                from_account_id=account.ledger_account_id,
                to_account_id=_bank(),
                amount=Money(1, "EUR"),
                idempotency_key="out",
            )
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money(10_500, "EUR")

    def test_block_neither_receives_nor_sends_and_unblock_restores(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        statuses.account_block(account_id=account.pk, reason="court order", actor_id=support.pk, now=now)
        with pytest.raises(ledger.AccountFrozen):
            fund(account, 1)
        statuses.account_unblock(account_id=account.pk, reason="order lifted", actor_id=support.pk, now=now)
        fund(account, 1)
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).status == "open"

    def test_every_change_is_audited_published_and_told(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        statuses.account_debits_block(account_id=account.pk, reason="phishing report", actor_id=support.pk, now=now)
        statuses.account_block(account_id=account.pk, reason="confirmed fraud", actor_id=support.pk, now=now)
        changes = list(
            AccountStatusChange.objects.filter(account=account)
            .order_by("id")
            .values_list("from_status", "to_status", "reason", "changed_by_id")
        )
        assert changes == [
            ("open", "debit_blocked", "phishing report", support.pk),
            ("debit_blocked", "blocked", "confirmed fraud", support.pk),
        ]
        published = OutboxEvent.objects.filter(name="account.status.changed").values_list("payload", flat=True)
        assert [(p["from_status"], p["to_status"]) for p in published] == [
            ("open", "debit_blocked"),
            ("debit_blocked", "blocked"),
        ]
        titles = list(
            Notification.objects.filter(customer_id=account.customer_id).order_by("id").values_list("title", flat=True)
        )
        assert titles == ["Payments from your account are blocked", "Your account is blocked"]

    def test_a_reason_is_required_and_nothing_changes_without_one(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        with pytest.raises(StatusChangeRefused) as refused:
            statuses.account_block(account_id=account.pk, reason="  ", actor_id=support.pk, now=now)
        assert refused.value.code == "reason_required"
        account.refresh_from_db()
        assert account.status == "open"
        assert not AccountStatusChange.objects.exists()

    def test_staff_without_the_permission_is_refused(self, now: datetime) -> None:
        account = open_account(now=now)
        auditor = staff(roles=[roles.AUDITOR])
        customer = verified_customer()
        for who in (auditor, customer):
            with pytest.raises(StatusChangeRefused) as refused:
                statuses.account_block(account_id=account.pk, reason="why not", actor_id=who.pk, now=now)
            assert refused.value.code == "not_authorised"
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).status == "open"

    def test_fraud_analysts_may_block(self, now: datetime) -> None:
        account = open_account(now=now)
        analyst = staff(roles=[roles.FRAUD_ANALYST])
        statuses.account_debits_block(account_id=account.pk, reason="alert 12", actor_id=analyst.pk, now=now)
        assert Account.objects.get(pk=account.pk).status == "debit_blocked"


class TestClose:
    def test_an_empty_account_closes_once_someone_else_approves(
        self, support: User, checker: User, now: datetime
    ) -> None:
        account = open_account(now=now)
        request_id = statuses.account_close_request(
            account_id=account.pk, reason="customer asked", maker_id=support.pk, now=now
        )
        assert Account.objects.get(pk=account.pk).status == "open"
        approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        account.refresh_from_db()
        assert account.status == "closed"
        assert account.closed_at == now
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).status == "closed"
        change = AccountStatusChange.objects.get(account=account, to_status="closed")
        assert change.changed_by_id == checker.pk
        assert change.approval_request_id == request_id

    def test_closing_with_a_balance_needs_a_sweep_target(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        fund(account, 2_500)
        with pytest.raises(StatusChangeRefused) as refused:
            statuses.account_close_request(account_id=account.pk, reason="moving away", maker_id=support.pk, now=now)
        assert refused.value.code == "not_empty"
        assert not ApprovalRequest.objects.exists()

    def test_the_balance_is_swept_to_the_customers_other_account_first(
        self, support: User, checker: User, now: datetime
    ) -> None:
        customer = verified_customer()
        account = open_account(customer=customer, now=now)
        other = open_account(customer=customer, product_code="savings", now=now)
        fund(account, 2_500)
        statuses.account_debits_block(account_id=account.pk, reason="closing", actor_id=support.pk, now=now)
        request_id = statuses.account_close_request(
            account_id=account.pk,
            reason="moving to savings",
            maker_id=support.pk,
            now=now,
            sweep_to_account_id=other.pk,
        )
        approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        assert ledger_read.balance(account_id=account.ledger_account_id) == Money(0, "EUR")
        assert ledger_read.balance(account_id=other.ledger_account_id) == Money(2_500, "EUR")
        assert Account.objects.get(pk=account.pk).status == "closed"

    def test_a_sweep_to_someone_elses_account_is_refused(self, support: User, now: datetime) -> None:
        account = open_account(now=now)
        stranger = open_account(now=now)
        fund(account, 100)
        with pytest.raises(StatusChangeRefused) as refused:
            statuses.account_close_request(
                account_id=account.pk,
                reason="x",
                maker_id=support.pk,
                now=now,
                sweep_to_account_id=stranger.pk,
            )
        assert refused.value.code == "sweep_target_invalid"

    def test_a_maker_with_the_permission_to_decide_cannot_approve_their_own_close(self, now: datetime) -> None:
        admin = staff(roles=[roles.ADMINISTRATOR])
        assert admin.has_perm("approvals.decide_approvalrequest")
        assert admin.has_perm("accounts.manage_account")
        account = open_account(now=now)
        request_id = statuses.account_close_request(account_id=account.pk, reason="tidy up", maker_id=admin.pk, now=now)
        with pytest.raises(approvals.ApprovalRefused) as refused:
            approvals.approval_approve(request_id=request_id, checker_id=admin.pk, now=now)
        assert refused.value.code == "maker_cannot_approve"
        assert Account.objects.get(pk=account.pk).status == "open"
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).status == "open"

    def test_money_arriving_after_the_request_is_swept_when_approved_or_refuses(
        self, support: User, checker: User, now: datetime
    ) -> None:
        account = open_account(now=now)
        request_id = statuses.account_close_request(account_id=account.pk, reason="empty", maker_id=support.pk, now=now)
        fund(account, 700)
        with pytest.raises(StatusChangeRefused):
            approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        assert ApprovalRequest.objects.get(pk=request_id).status == "pending"
        assert Account.objects.get(pk=account.pk).status == "open"


class TestOverdraft:
    def test_an_approved_limit_is_the_ledgers_floor(self, support: User, checker: User, now: datetime) -> None:
        account = open_account(now=now)
        request_id = statuses.account_overdraft_request(
            account_id=account.pk, limit_minor=50_000, reason="salary late", maker_id=support.pk, now=now
        )
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).overdraft_limit_minor == 0
        approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        assert Account.objects.get(pk=account.pk).overdraft_limit_minor == 50_000
        bank = _bank()
        ledger.transfer(
            from_account_id=account.ledger_account_id,
            to_account_id=bank,
            amount=Money(50_000, "EUR"),
            idempotency_key="o1",
        )
        with pytest.raises(ledger.InsufficientFunds):
            ledger.transfer(
                from_account_id=account.ledger_account_id,
                to_account_id=bank,
                amount=Money(1, "EUR"),
                idempotency_key="o2",
            )
        assert Notification.objects.filter(
            customer_id=account.customer_id, title="Your arranged overdraft changed"
        ).exists()

    def test_a_savings_account_has_no_overdraft(self, support: User, now: datetime) -> None:
        account = open_account(product_code="savings", now=now)
        with pytest.raises(StatusChangeRefused) as refused:
            statuses.account_overdraft_request(
                account_id=account.pk, limit_minor=100, reason="x", maker_id=support.pk, now=now
            )
        assert refused.value.code == "overdraft_not_allowed"

    @pytest.mark.parametrize("limit", [-1, 5_000_001, "100"])
    def test_bad_limits_are_refused(self, support: User, now: datetime, limit: object) -> None:
        account = open_account(now=now)
        with pytest.raises(StatusChangeRefused) as refused:
            statuses.account_overdraft_request(
                account_id=account.pk, limit_minor=limit, reason="x", maker_id=support.pk, now=now
            )  # type: ignore[arg-type]
        assert refused.value.code == "invalid_limit"

    def test_the_maker_cannot_approve_their_own_limit(self, now: datetime) -> None:
        admin = staff(roles=[roles.ADMINISTRATOR])
        account = open_account(now=now)
        request_id = statuses.account_overdraft_request(
            account_id=account.pk, limit_minor=10_000, reason="x", maker_id=admin.pk, now=now
        )
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=admin.pk, now=now)
        assert LedgerAccount.objects.get(pk=account.ledger_account_id).overdraft_limit_minor == 0
