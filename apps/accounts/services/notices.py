"""What the accounts app tells its customers (``bankcore.notifications``): one place for the words.

Every notice is an inbox row in the caller's transaction; the e-mail goes after commit.
"""

from __future__ import annotations

from datetime import datetime

from apps.accounts.models import Account
from bankcore import notifications
from bankcore.money import Money

STATUS_KIND = "accounts.status"
MONEY_KIND = "accounts.money"

_STATUS_WORDS = {
    "open": ("Your account is open again", "You can send and receive money again on {iban}."),
    "debit_blocked": (
        "Payments from your account are blocked",
        "Money can still come in to {iban}, but nothing can be paid out for now. Contact us to learn more.",
    ),
    "blocked": (
        "Your account is blocked",
        "No money can come in to or go out of {iban} for now. Contact us to learn more.",
    ),
    "closed": ("Your account is closed", "{iban} is closed. Thank you for banking with us."),
}


def register_kinds() -> None:
    notifications.register_kind(STATUS_KIND, label="Account status and overdraft", email_default=True)
    notifications.register_kind(MONEY_KIND, label="Money in and out of your accounts", email_default=False)


def account_link(account_id: int) -> str:
    return f"/app/accounts/{account_id}/"


def status_changed(*, account: Account, from_status: str, now: datetime) -> None:
    title, body = _STATUS_WORDS[account.status]
    notifications.notify(
        customer_id=account.customer_id,
        kind=STATUS_KIND,
        title=title,
        body=body.format(iban=account.iban),
        link=account_link(account.pk),
        now=now,
    )


def overdraft_changed(*, account: Account, now: datetime) -> None:
    limit = Money(account.overdraft_limit_minor, account.currency)
    notifications.notify(
        customer_id=account.customer_id,
        kind=STATUS_KIND,
        title="Your arranged overdraft changed",
        body=f"The arranged overdraft on {account.iban} is now {limit.format()}.",
        link=account_link(account.pk),
        now=now,
    )


def money_moved_notice(
    *, customer_id: int, account_id: int, iban: str, amount: Money, description: str, count: int = 1
) -> notifications.Notice:
    """Money in (positive) or out (negative) of an account, in ``count`` payments."""
    shown = Money(abs(amount.minor), amount.currency).format()
    title = f"Money in: {shown}" if amount.minor >= 0 else f"Money out: {shown}"
    body = f"{shown} arrived on {iban}" if amount.minor >= 0 else f"{shown} left {iban}"
    body += f" in {count} payments." if count != 1 else "."
    if description:
        body = f"{body} {description[:200]}"
    return notifications.Notice(customer_id, MONEY_KIND, title, body, account_link(account_id))
