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
    """After a chargeback: tell the customer; if the wallet is below zero, put it in recovery (wallet locked)."""
    balance = ledger_read.balance(account_id=wallet.ledger_account_id)
    if balance.minor >= 0:
        amount = Money(topup.amount_minor, topup.currency)
        notify(
            customer_id=wallet.customer_id, kind="wallets.activity", title="A card top-up was charged back",
            body=f"The card's bank took back the {amount.format()} top-up. Your {wallet.currency} wallet now "
            f"holds {balance.format()}.",
            link="/app/wallets/", now=now,
        )  # fmt: skip
        return None
    if wallet.status == Wallet.Status.ACTIVE:
        # A frozen wallet stays frozen: the back office's freeze outranks recovery, and unfreezing
        # it later puts it in recovery (``wallet_status_set``) while money is still owed.
        wallet.status = Wallet.Status.RECOVERY
        wallet._change_reason = f"chargeback of top-up {topup.pk}"  # type: ignore[attr-defined]
        wallet.save(update_fields=["status"])
    # What this chargeback added to the debt: a second one on a wallet already below zero owes its own part.
    owed = min(-balance.minor, topup.amount_minor)
    recovery = Recovery.objects.create(
        wallet=wallet, topup=topup, owed_minor=owed, currency=balance.currency, created_at=now
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
    recovery_repaid(wallet=wallet, now=now)
    return True


def recovery_repaid(*, wallet: Wallet, now: datetime) -> None:
    """The wallet is back at zero or above: its open recoveries are repaid, and recovery ends (wallet locked).

    A frozen wallet stays frozen; only the recovery state gives way to active.
    """
    Recovery.objects.filter(wallet=wallet, status=Recovery.Status.OPEN).update(
        status=Recovery.Status.REPAID, closed_at=now
    )
    if wallet.status == Wallet.Status.RECOVERY:
        wallet.status = Wallet.Status.ACTIVE
        wallet._change_reason = "recovered"  # type: ignore[attr-defined]
        wallet.save(update_fields=["status"])


def write_off_handler(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Approved write-off (``bankcore.approvals``): book what is still owed to the chargeback-loss account."""
    recovery_write_off(recovery_id=int(payload["recovery_id"]), now=now)


@transaction.atomic
def recovery_write_off(*, recovery_id: int, now: datetime) -> int | None:
    """Write off what the wallet still owes; returns the entry id. Only through an approved request.

    None when the wallet was repaid meanwhile (nothing is booked, and the recovery ends as repaid),
    or when another recovery's write-off already took the wallet's whole debt with this one.
    """
    # The wallet first, then its recovery: the order every credit to the wallet locks them in.
    wallet_id = Recovery.objects.values_list("wallet_id", flat=True).get(pk=recovery_id)
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    recovery = Recovery.objects.select_for_update().get(pk=recovery_id)
    if recovery.status == Recovery.Status.WRITTEN_OFF and recovery.write_off_entry_id:
        return None
    if recovery.status != Recovery.Status.OPEN:
        raise WalletRefused(f"This recovery is {recovery.get_status_display().lower()}.", code="recovery_closed")
    balance = ledger_read.balance(account_id=wallet.ledger_account_id)
    if balance.minor >= 0:
        recovery_repaid(wallet=wallet, now=now)
        return None
    owed = Money(-balance.minor, balance.currency)
    loss = bank_account(purpose=BankAccount.Purpose.CHARGEBACK_LOSS, currency=owed.currency)
    entry_id = ledger.post_entry(
        legs=[Leg.debit(loss, owed), Leg.credit(wallet.ledger_account_id, owed)],
        idempotency_key=f"recovery:{recovery.pk}:write-off",
        description=f"Chargeback loss written off for wallet {wallet.pk} (top-up {recovery.topup_id})",
    )
    # The entry takes the wallet's whole debt back to zero: every open recovery of it ends with it.
    Recovery.objects.filter(wallet=wallet, status=Recovery.Status.OPEN).update(
        status=Recovery.Status.WRITTEN_OFF, write_off_entry_id=entry_id, closed_at=now
    )
    if wallet.status == Wallet.Status.RECOVERY:  # a frozen wallet stays frozen
        wallet.status = Wallet.Status.ACTIVE
        wallet._change_reason = f"recovery {recovery.pk} written off"  # type: ignore[attr-defined]
        wallet.save(update_fields=["status"])
    return entry_id
