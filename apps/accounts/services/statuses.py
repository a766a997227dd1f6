"""Account statuses (DESIGN.md §7), closing and arranged overdrafts.

Blocks are taken by staff allowed to (``accounts.block_account``) with a reason, at once.
Closing and overdraft limits go through maker-checker (``bankcore.approvals``): the maker asks,
someone else approves, and the change runs inside the approving transaction. Every status change
is recorded (``AccountStatusChange``), published (``account.status.changed``) and told to the
customer; the ledger account follows in the same transaction (credit-only, frozen, closed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from apps.accounts import events as account_events
from apps.accounts import interest
from apps.accounts.errors import StatusChangeRefused
from apps.accounts.models import Account, AccountStatus, AccountStatusChange
from apps.accounts.services import notices
from bankcore import events
from bankcore.approvals import services as approvals
from bankcore.approvals.models import ApprovalRequest
from bankcore.approvals.selectors import payload_hash
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import MAX_MINOR, Money
from bankcore.users.models import User

CLOSE_ACTION = "accounts.account.close"
OVERDRAFT_ACTION = "accounts.account.overdraft"

# The largest arranged overdraft a request may ask for, in minor units (50,000.00).
MAX_OVERDRAFT_MINOR = 5_000_000

# Where each action may start from, and the ledger state it leaves the ledger account in.
_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    AccountStatus.DEBIT_BLOCKED: ({AccountStatus.OPEN, AccountStatus.BLOCKED}, "credit_only"),
    AccountStatus.BLOCKED: ({AccountStatus.OPEN, AccountStatus.DEBIT_BLOCKED}, "frozen"),
    AccountStatus.OPEN: ({AccountStatus.DEBIT_BLOCKED, AccountStatus.BLOCKED}, "open"),
}


def _actor(user_id: int, permission: str) -> User:
    # The service, not only the admin, decides who may: every door gets the same rule.
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_perm(permission):
        raise StatusChangeRefused("You may not change accounts this way.", code="not_authorised")
    return user


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StatusChangeRefused("Say why.", code="reason_required")
    return reason


def _locked(account_id: int) -> Account:
    account = Account.objects.select_for_update().select_related("product").filter(pk=account_id).first()
    if account is None:
        raise StatusChangeRefused(f"No account {account_id}.", code="not_found")
    return account


def _record(
    *,
    account: Account,
    to_status: str,
    reason: str,
    changed_by_id: int | None,
    now: datetime,
    approval_request_id: int | None = None,
) -> None:
    from_status = account.status
    account.status = to_status
    fields = ["status"]
    if to_status == AccountStatus.CLOSED:
        account.closed_at = now
        fields.append("closed_at")
    account.save(update_fields=fields)  # lands in the account's history
    AccountStatusChange.objects.create(
        account=account,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by_id=changed_by_id,
        approval_request_id=approval_request_id,
        changed_at=now,
    )
    events.publish(
        account_events.ACCOUNT_STATUS_CHANGED,
        {
            "account_id": account.pk,
            "customer_id": account.customer_id,
            "from_status": from_status,
            "to_status": to_status,
            "reason": reason,
        },
    )
    notices.status_changed(account=account, from_status=from_status, now=now)


def _ledger_to(ledger_account_id: int, state: str) -> None:
    if state == "credit_only":
        ledger.account_credit_only(account_id=ledger_account_id)
    elif state == "frozen":
        ledger.account_freeze(account_id=ledger_account_id)
    else:
        ledger.account_unfreeze(account_id=ledger_account_id)


@transaction.atomic
def account_status_set(*, account_id: int, status: str, reason: str, actor_id: int, now: datetime) -> None:
    """Block debits (``debit_blocked``), block everything (``blocked``) or unblock (``open``).

    Refused (``StatusChangeRefused``) without the ``accounts.block_account`` permission, without
    a reason, or from a status the change does not start from (a closed account stays closed).
    Setting the status an account already has changes nothing.
    """
    _actor(actor_id, "accounts.block_account")
    reason = _reason(reason)
    if status not in _TRANSITIONS:
        raise StatusChangeRefused(f"{status!r} is not a status staff can set.", code="invalid_transition")
    account = _locked(account_id)
    if account.status == status:
        return
    allowed_from, ledger_state = _TRANSITIONS[status]
    if account.status not in allowed_from:
        raise StatusChangeRefused(
            f"An account that is {account.get_status_display().lower()} cannot become {status}.",
            code="invalid_transition",
        )
    _ledger_to(account.ledger_account_id, ledger_state)
    _record(account=account, to_status=status, reason=reason, changed_by_id=actor_id, now=now)


def account_debits_block(*, account_id: int, reason: str, actor_id: int, now: datetime) -> None:
    """The account receives but cannot send."""
    account_status_set(
        account_id=account_id, status=AccountStatus.DEBIT_BLOCKED, reason=reason, actor_id=actor_id, now=now
    )


def account_block(*, account_id: int, reason: str, actor_id: int, now: datetime) -> None:
    """The account neither receives nor sends."""
    account_status_set(account_id=account_id, status=AccountStatus.BLOCKED, reason=reason, actor_id=actor_id, now=now)


def account_unblock(*, account_id: int, reason: str, actor_id: int, now: datetime) -> None:
    """The account moves money both ways again."""
    account_status_set(account_id=account_id, status=AccountStatus.OPEN, reason=reason, actor_id=actor_id, now=now)


# --- closing (maker-checker) --------------------------------------------------------------------


def _close_check(account: Account, sweep_to: Account | None) -> int:
    """Refuse a close that cannot happen now; returns the balance the sweep will move."""
    if account.status == AccountStatus.CLOSED:
        raise StatusChangeRefused("The account is closed already.", code="invalid_transition")
    balance = ledger_read.balance(account_id=account.ledger_account_id)
    available = ledger_read.available_balance(account_id=account.ledger_account_id)
    if available != balance:
        raise StatusChangeRefused("Money on the account is still reserved (holds).", code="not_empty")
    if balance.minor < 0:
        raise StatusChangeRefused("The account is overdrawn: it must be brought back to zero first.", code="not_empty")
    if balance.minor > 0 and sweep_to is None:
        raise StatusChangeRefused(
            "The account still holds money: give another account of the customer to sweep it to.", code="not_empty"
        )
    if sweep_to is not None and (
        sweep_to.pk == account.pk
        or sweep_to.customer_id != account.customer_id
        or sweep_to.currency != account.currency
        or sweep_to.status not in (AccountStatus.OPEN, AccountStatus.DEBIT_BLOCKED)
    ):
        raise StatusChangeRefused(
            "Sweep to another open account of the same customer in the same currency.", code="sweep_target_invalid"
        )
    return balance.minor


def account_close_request(
    *, account_id: int, reason: str, maker_id: int, now: datetime, sweep_to_account_id: int | None = None
) -> int:
    """Ask for the account to be closed (its balance first swept to ``sweep_to_account_id``).

    Returns the approval request's id; someone other than the maker approves it, and the close
    runs then. Refused now if it could not run (money left and nowhere to sweep it, holds, an
    overdrawn balance, a closed account).
    """
    _actor(maker_id, "accounts.manage_account")
    reason = _reason(reason)
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise StatusChangeRefused(f"No account {account_id}.", code="not_found")
    sweep_to = None if sweep_to_account_id is None else Account.objects.filter(pk=sweep_to_account_id).first()
    if sweep_to_account_id is not None and sweep_to is None:
        raise StatusChangeRefused("No such account to sweep to.", code="sweep_target_invalid")
    _close_check(account, sweep_to)
    return approvals.approval_request(
        action=CLOSE_ACTION,
        payload={"account_id": account_id, "sweep_to_account_id": sweep_to_account_id, "reason": reason},
        maker_id=maker_id,
        reason=reason,
        now=now,
    )


def _approved_request(action: str, payload: dict[str, Any]) -> ApprovalRequest | None:
    """The request being approved: the handler runs in its transaction, after it was marked approved."""
    return (
        ApprovalRequest.objects.filter(
            action=action, payload_hash=payload_hash(payload=payload), status=ApprovalRequest.Status.APPROVED
        )
        .order_by("-decided_at", "-id")
        .first()
    )


def account_close_approved(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Approval handler: sweep the balance to the customer's other account, then close both books."""
    request = _approved_request(CLOSE_ACTION, payload)
    account = _locked(int(payload["account_id"]))
    sweep_id = payload.get("sweep_to_account_id")
    sweep_to = None if sweep_id is None else _locked(int(sweep_id))
    # Interest earned or owed up to yesterday is posted first, so the sweep moves it and closing
    # never forfeits it; a second approval run finds it posted and changes nothing.
    interest.interest_settle_for_close(account_id=account.pk, now=now)
    balance_minor = _close_check(account, sweep_to)
    if balance_minor:
        assert sweep_to is not None
        # A blocked account's ledger account refuses debits: the sweep, approved by two people,
        # is the one debit let through, in the same transaction as the close that follows it.
        ledger.account_unfreeze(account_id=account.ledger_account_id)
        ledger.transfer(
            from_account_id=account.ledger_account_id,
            to_account_id=sweep_to.ledger_account_id,
            amount=Money(balance_minor, account.currency),
            idempotency_key=f"account-close-sweep:{account.pk}",
            description=f"Closing {account.iban}: balance moved to {sweep_to.iban}",
        )
    ledger.account_close(account_id=account.ledger_account_id)
    _record(
        account=account,
        to_status=AccountStatus.CLOSED,
        reason=str(payload["reason"]),
        changed_by_id=None if request is None else request.checker_id,
        approval_request_id=None if request is None else request.pk,
        now=now,
    )


# --- arranged overdraft (maker-checker) ---------------------------------------------------------


def account_overdraft_request(*, account_id: int, limit_minor: int, reason: str, maker_id: int, now: datetime) -> int:
    """Ask for an arranged overdraft of ``limit_minor`` (0 removes it); returns the approval request's id."""
    _actor(maker_id, "accounts.manage_account")
    reason = _reason(reason)
    account = Account.objects.select_related("product").filter(pk=account_id).first()
    if account is None:
        raise StatusChangeRefused(f"No account {account_id}.", code="not_found")
    _overdraft_check(account, limit_minor)
    return approvals.approval_request(
        action=OVERDRAFT_ACTION,
        payload={"account_id": account_id, "limit_minor": limit_minor, "reason": reason},
        maker_id=maker_id,
        reason=reason,
        now=now,
    )


def _overdraft_check(account: Account, limit_minor: int) -> None:
    if type(limit_minor) is not int or not 0 <= limit_minor <= min(MAX_OVERDRAFT_MINOR, MAX_MINOR):
        raise StatusChangeRefused(
            f"An overdraft is between 0 and {Money(MAX_OVERDRAFT_MINOR, account.currency)}.", code="invalid_limit"
        )
    if limit_minor and not account.product.overdraft_allowed:
        raise StatusChangeRefused(f"{account.product.name} has no overdraft.", code="overdraft_not_allowed")
    if account.status == AccountStatus.CLOSED:
        raise StatusChangeRefused("The account is closed.", code="invalid_transition")


def account_overdraft_approved(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Approval handler: the limit on the account and on its ledger account's policy, together."""
    account = _locked(int(payload["account_id"]))
    limit_minor = int(payload["limit_minor"])
    _overdraft_check(account, limit_minor)
    ledger.account_overdraft_set(account_id=account.ledger_account_id, overdraft_limit_minor=limit_minor)
    account.overdraft_limit_minor = limit_minor
    account.save(update_fields=["overdraft_limit_minor"])
    notices.overdraft_changed(account=account, now=now)
