"""What other apps (payments, wallets, reporting) may call in the accounts app (DESIGN.md §7).

Keyword-only functions returning ids or frozen dataclasses, never models. It re-exports the
event names of ``apps.accounts.events``, so a subscriber needs nothing else of this app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from apps.accounts import selectors
from apps.accounts.errors import AccountNotFound, AccountRefused, StatusChangeRefused
from apps.accounts.events import *  # noqa: F403
from apps.accounts.events import ACCOUNT_OPENED, ACCOUNT_STATEMENT_READY, ACCOUNT_STATUS_CHANGED
from apps.accounts.models import Account, AccountStatus
from apps.accounts.services import movements, numbers, opening
from apps.accounts.wire import account_id_from_wire, account_wire_id
from apps.kyc import interface as kyc
from bankcore.money import Money

__all__ = [
    "ACCOUNT_OPENED",
    "ACCOUNT_STATEMENT_READY",
    "ACCOUNT_STATUS_CHANGED",
    "AccountNotFound",
    "AccountRef",
    "AccountRefused",
    "AccountStatus",
    "StatusChangeRefused",
    "account_for_iban",
    "account_for_ledger_account",
    "account_get",
    "account_id_from_wire",
    "account_ledger_id",
    "account_open_for_customer",
    "account_wire_id",
    "accounts_of_customer",
    "entries_notify",
    "entry_notify",
    "holder_name",
    "iban_is_ours",
    "payout_notify",
]


@dataclass(frozen=True)
class AccountRef:
    """An account as other contexts see it.

    ``status`` is an ``AccountStatus``: ``open``; ``debit_blocked`` (receives, cannot send);
    ``blocked`` (neither: return incoming payments AC06); ``closed`` (return them AC04).
    ``holder_name`` is the name a payer's verification of payee compares with.
    """

    id: int
    iban: str
    bic: str
    currency: str
    holder_name: str
    status: str
    ledger_account_id: int
    customer_id: int
    product_code: str
    product_kind: str  # "current" | "savings" | "business_current"
    overdraft_limit_minor: int

    @property
    def may_receive(self) -> bool:
        return self.status in (AccountStatus.OPEN, AccountStatus.DEBIT_BLOCKED)

    @property
    def may_send(self) -> bool:
        return self.status == AccountStatus.OPEN


def holder_name(*, customer_id: int) -> str:
    """The account holder's name: the KYC party's legal name when KYC knows it, else the user's name."""
    name = kyc.party_name(customer_id=customer_id)
    if name and name.strip():
        return name.strip()
    return selectors.holder_name(customer_id=customer_id)


def _holder_of(account: Account) -> str:
    """``holder_name`` of an account read with its customer (one query fewer than by id)."""
    name = kyc.party_name(customer_id=account.customer_id)
    if name and name.strip():
        return name.strip()
    return account.customer.full_name or account.customer.email


def _ref(account: Account) -> AccountRef:
    return AccountRef(
        id=account.pk,
        iban=account.iban,
        bic=account.bic,
        currency=account.currency,
        holder_name=_holder_of(account),
        status=account.status,
        ledger_account_id=account.ledger_account_id,
        customer_id=account.customer_id,
        product_code=account.product.code,
        product_kind=account.product.kind,
        overdraft_limit_minor=account.overdraft_limit_minor,
    )


def account_for_iban(*, iban: str) -> AccountRef | None:
    """The account of this bank with that IBAN (spaces and case ignored), or None."""
    account = selectors.account_by_iban(iban=iban)
    return None if account is None else _ref(account)


def iban_is_ours(*, iban: str) -> bool:
    """Whether ``iban`` is of this bank (its country and bank code), whether or not an account has it.

    A payment to such an IBAN is internal: when ``account_for_iban`` finds no account, there is none
    anywhere, and sending it to the clearing house would address it back to this bank.
    """
    return numbers.iban_is_ours(iban=iban)


def accounts_by_ibans(*, ibans: list[str]) -> dict[str, AccountRef]:
    """The accounts of this bank among ``ibans``, by compact IBAN, in one read (a bulk payout's payees)."""
    return {account.iban: _ref(account) for account in selectors.accounts_by_ibans(ibans=ibans)}


def account_for_ledger_account(*, ledger_account_id: int) -> AccountRef | None:
    """The customer account that owns a ledger account, or None (an internal ledger account)."""
    account = selectors.account_by_ledger_id(ledger_account_id=ledger_account_id)
    return None if account is None else _ref(account)


def account_get(*, account_id: int) -> AccountRef:
    """The account; raises ``AccountNotFound``."""
    account = selectors.account_get(account_id=account_id)
    if account is None:
        raise AccountNotFound(f"No account {account_id}.")
    return _ref(account)


def accounts_of_customer(*, customer_id: int, include_closed: bool = True) -> list[AccountRef]:
    """The customer's accounts, oldest first."""
    return [_ref(a) for a in selectors.accounts_of_customer(customer_id=customer_id, include_closed=include_closed)]


def account_ledger_id(*, account_id: int) -> int:
    """The ledger account id of an account; raises ``AccountNotFound``."""
    account = selectors.account_get(account_id=account_id)
    if account is None:
        raise AccountNotFound(f"No account {account_id}.")
    return account.ledger_account_id


def account_open_for_customer(
    *, customer_id: int, product_code: str, currency: str, now: datetime, nickname: str = ""
) -> int:
    """Open an account (see ``services.opening``); returns its id; raises ``AccountRefused``."""
    return opening.account_open_for_customer(
        customer_id=customer_id, product_code=product_code, currency=currency, now=now, nickname=nickname
    )


def entry_notify(*, entry_id: int, now: datetime) -> int:
    """Tell customers about money in or out that ledger entry ``entry_id`` booked on their accounts.

    Call it after posting (in the same transaction or after commit): it writes inbox rows only,
    once per posting however often it is called; internal ledger accounts are skipped.
    Returns how many customers were told.
    """
    return movements.entry_notify(entry_id=entry_id, now=now)


def entries_notify(*, entry_ids: Sequence[int], now: datetime, told_apart: int | None = None) -> int:
    """``entry_notify`` for many entries at once, in a handful of statements whatever their number.

    A posting on ledger account ``told_apart`` is marked told without a notice of its own: the
    caller tells its holder once for all of them with ``payout_notify`` (a bulk payout's payer).
    Returns how many notices were written.
    """
    return movements.entries_notify(entry_ids=entry_ids, now=now, told_apart=told_apart)


def payout_notify(*, account_id: int, amount: Money, count: int, description: str, now: datetime) -> None:
    """Tell the holder of account ``account_id`` once of ``count`` payments out of it, ``amount`` in all."""
    movements.payout_notify(account_id=account_id, amount=amount, count=count, description=description, now=now)
