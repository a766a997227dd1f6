"""What the kernel's consents may know of an account (``bankcore.api.directory``), registered at start.

The kernel knows no app, so accounts tells it how a partner's account reference (an API id or an
IBAN) turns into an account and its one holder.
"""

from __future__ import annotations

from apps.accounts import selectors
from apps.accounts.models import Account
from apps.accounts.wire import account_id_from_wire, account_wire_id
from bankcore.api.directory import DirectoryAccount, account_directory_register


def _entry(account: Account | None) -> DirectoryAccount | None:
    if account is None:
        return None
    return DirectoryAccount(
        account_id=account.pk,
        customer_id=account.customer_id,
        wire_id=account_wire_id(account.pk),
        iban=account.iban,
        currency=account.currency,
    )


def resolve(ref: str) -> DirectoryAccount | None:
    """A wire id (``acc_…``) or an IBAN of this bank, or None."""
    account_id = account_id_from_wire(ref)
    if account_id is not None:
        return _entry(selectors.account_get(account_id=account_id))
    return _entry(selectors.account_by_iban(iban=ref))


def describe(account_id: int) -> DirectoryAccount | None:
    return _entry(selectors.account_get(account_id=account_id))


def register() -> None:
    account_directory_register(resolve=resolve, describe=describe)
