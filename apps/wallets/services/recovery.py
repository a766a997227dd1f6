"""Wallets a chargeback took below zero: the recovery state, repaid or written off.

A wallet in recovery cannot spend (``spend_check``) but can receive; once its balance is back at
zero or above it is active again. What cannot be recovered is written off with maker-checker:
the bank's chargeback-loss account takes the loss and the wallet returns to zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from apps.wallets.errors import WalletRefused
from apps.wallets.models import BankAccount, Recovery, TopUp, Wallet
from apps.wallets.services.wallets import bank_account
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.values import Leg
from bankcore.money import Money
from bankcore.notifications import notify

WRITE_OFF_ACTION = "wallets.recovery_write_off"


def recovery_open(*, wallet: Wallet, topup: TopUp, now: datetime) -> Recovery | None:
    """After a chargeback: if the wallet is below zero, put it in recovery and tell the customer (wallet locked)."""
    balance = ledger_read.balance(account_id=wallet.ledger_account_id)
    if balance.minor >= 0:
        return None
    wallet.status = Wallet.Status.RECOVERY
    wallet._change_reason = f"chargeback of top-up {topup.pk}"  # type: ignore[attr-defined]
    wallet.save(update_fields=["status"])
    recovery = Recovery.objects.create(
        wallet=wallet, topup=topup, owed_minor=-balance.minor, currency=balance.currency, created_at=now
    )
    notify(
        customer_id=wallet.customer_id, kind="wallets.activity", title="Your wallet owes money after a chargeback",
        body=f"A card top-up was charged back after the money was spent. Your {wallet.currency} wallet stands at "
        f"{balance.format()}; it cannot send money until you top it up to zero or more.",
        link="/app/wallets/", now=now,
    )  # fmt: skip
    return recovery


def recovery_settle(*, wallet: Wallet, now: datetime) -> bool:
    """Money arrived in a wallet in recovery: active again once back at zero (wallet locked); True if so."""
    if wallet.status != Wallet.Status.RECOVERY:
        return False
    if ledger_read.balance(account_id=wallet.ledger_account_id).minor < 0:
        return False
    Recovery.objects.filter(wallet=wallet, status=Recovery.Status.OPEN).update(
        status=Recovery.Status.REPAID, closed_at=now
    )
    wallet.status = Wallet.Status.ACTIVE
    wallet._change_reason = "recovered"  # type: ignore[attr-defined]
    wallet.save(update_fields=["status"])
    return True


def write_off_handler(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Approved write-off (``bankcore.approvals``): book what is still owed to the chargeback-loss account."""
    recovery_write_off(recovery_id=int(payload["recovery_id"]), now=now)


@transaction.atomic
def recovery_write_off(*, recovery_id: int, now: datetime) -> int:
    """Write off what the wallet still owes; returns the entry id. Only through an approved request."""
    recovery = Recovery.objects.select_for_update().get(pk=recovery_id)
    if recovery.status != Recovery.Status.OPEN:
        raise WalletRefused(f"This recovery is {recovery.get_status_display().lower()}.", code="recovery_closed")
    wallet = Wallet.objects.select_for_update().get(pk=recovery.wallet_id)
    balance = ledger_read.balance(account_id=wallet.ledger_account_id)
    if balance.minor >= 0:
        recovery_settle(wallet=wallet, now=now)
        raise WalletRefused("The wallet has been repaid meanwhile.", code="recovery_closed")
    owed = Money(-balance.minor, balance.currency)
    loss = bank_account(purpose=BankAccount.Purpose.CHARGEBACK_LOSS, currency=owed.currency)
    entry_id = ledger.post_entry(
        legs=[Leg.debit(loss, owed), Leg.credit(wallet.ledger_account_id, owed)],
        idempotency_key=f"recovery:{recovery.pk}:write-off",
        description=f"Chargeback loss written off for wallet {wallet.pk} (top-up {recovery.topup_id})",
    )
    recovery.status = Recovery.Status.WRITTEN_OFF
    recovery.write_off_entry_id = entry_id
    recovery.closed_at = now
    recovery.save(update_fields=["status", "write_off_entry_id", "closed_at"])
    wallet.status = Wallet.Status.ACTIVE
    wallet._change_reason = f"recovery {recovery.pk} written off"  # type: ignore[attr-defined]
    wallet.save(update_fields=["status"])
    return entry_id
