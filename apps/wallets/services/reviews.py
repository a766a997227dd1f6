"""A P2P transfer held for fraud review: its hold lasts as long as its case, and the case decides.

The fraud case is the only authority over a held transfer (DESIGN.md §7), and a transfer stays
``held_for_review`` exactly until its case's decision arrives. The money must not reappear in the
sender's available balance meanwhile, whatever the case takes: ``review_holds_extend`` (beat,
daily) pushes every such hold that would end within a week (``ledger.KEEP_WITHIN``) another
``REVIEW_HOLD`` ahead, so the ledger's expiry never catches up with an open case.

When the case decides, ``transfer_release`` captures the hold into the recipient's wallet, under
the locks of the sender's and all the recipient's wallets and after checking again that the
recipient may hold it (they may have received other money since); when they may not, the money
goes back to the sender as on a rejection. ``transfer_reject`` releases the hold and gives the
sender's ``wallet_out`` usage back. A hold that lapsed anyway (before this rule existed) is
handled honestly: a release then moves the money only if the sender still has it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from apps.kyc import interface as kyc
from apps.wallets import events as names
from apps.wallets.errors import WalletRefused
from apps.wallets.models import MoneyRequest, Wallet, WalletTransfer
from apps.wallets.services import recovery
from apps.wallets.services.transfers import (
    REVIEW_HOLD,
    _arrived,
    _lock,
    _publish,
    balance_limit_check,
    spend_check,
    users_name,
)
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.notifications import notify

log = logging.getLogger(__name__)


def review_holds_extend(*, now: datetime) -> int:
    """Extend the holds of transfers still waiting for their fraud case; returns how many (safe twice)."""
    waiting = WalletTransfer.objects.filter(status=WalletTransfer.Status.HELD, hold_id__isnull=False)
    held = {hold_id: pk for hold_id, pk in waiting.values_list("hold_id", "pk") if hold_id is not None}
    extended, lapsed = ledger.holds_keep(hold_ids=list(held), until=now + REVIEW_HOLD, now=now)
    for hold_id in lapsed:
        log.warning("review hold lapsed before its case decided", extra={"transfer_id": held[hold_id]})
    return extended


def _held_transfer(reference: str) -> WalletTransfer | None:
    if not reference.startswith("wallet-transfer:"):
        return None
    pk = reference.split(":", 1)[1]
    if not pk.isdigit():
        return None
    return WalletTransfer.objects.select_for_update().filter(pk=int(pk)).first()


def _hold_active(transfer: WalletTransfer, now: datetime) -> bool:
    assert transfer.hold_id is not None
    hold = ledger_read.hold_get(hold_id=transfer.hold_id)
    return hold.status == "active" and hold.expires_at > now


def _sender_refusal(transfer: WalletTransfer, *, source: Wallet, amount: Money, now: datetime) -> str:
    """Why the sender's wallet may not pay the held transfer now ("" when it may), under its lock.

    The hold reserved the money, but not against everything: a freeze since then stops money
    leaving, and a chargeback since then may have taken the balance itself (a hold reduces only
    what is available), so capturing would take the wallet below zero outside recovery.
    """
    if source.status == Wallet.Status.FROZEN:
        return "your wallet was frozen meanwhile"
    if source.status == Wallet.Status.RECOVERY:
        return "your wallet owes money after a chargeback"
    if _hold_active(transfer, now):
        if ledger_read.balance(account_id=source.ledger_account_id).minor < amount.minor:
            return "your wallet no longer holds the money"
        return ""
    try:
        spend_check(wallet=source, amount=amount)  # the reserve lapsed: only money still there moves
    except WalletRefused:
        return "your wallet no longer holds the money"
    return ""


@transaction.atomic
def transfer_release(*, reference: str, now: datetime) -> bool:
    """The fraud case cleared a held transfer: the recipient gets it if they may hold it (safe twice)."""
    transfer = _held_transfer(reference)
    if transfer is None or transfer.status != WalletTransfer.Status.HELD:
        return False
    amount = Money(transfer.amount_minor, transfer.currency)
    source, recipient_wallets = _lock(source_id=transfer.source_wallet_id, recipient_id=transfer.recipient_id)
    target = next(w for w in recipient_wallets if w.pk == transfer.target_wallet_id)
    refusal = _sender_refusal(transfer, source=source, amount=amount, now=now)
    if refusal:
        _give_back(transfer, now=now, why=refusal)
        return True
    try:
        if target.status == Wallet.Status.FROZEN:
            raise WalletRefused("The recipient's wallet cannot receive money now.", code="recipient_frozen")
        balance_limit_check(customer_id=transfer.recipient_id, wallets=recipient_wallets, amount=amount, now=now)
    except (WalletRefused, kyc.LimitExceeded):
        _give_back(transfer, now=now, why="the recipient could not receive it")
        return True
    description = f"Wallet transfer {transfer.pk} (released after review)"
    if _hold_active(transfer, now):
        assert transfer.hold_id is not None
        transfer.entry_id = ledger.hold_capture(
            hold_id=transfer.hold_id, to_account_id=target.ledger_account_id, idempotency_key=f"{reference}:capture",
            now=now, description=description,
        )  # fmt: skip
    else:
        transfer.entry_id = ledger.transfer(
            from_account_id=source.ledger_account_id, to_account_id=target.ledger_account_id, amount=amount,
            idempotency_key=f"{reference}:capture", description=description,
        )  # fmt: skip
    transfer.status = WalletTransfer.Status.COMPLETED
    transfer.completed_at = now
    transfer.save(update_fields=["status", "entry_id", "completed_at"])
    recovery.recovery_settle(wallet=target, now=now)
    _publish(transfer, names.TRANSFER_SENT)  # the sender's side again, now final (its partner's webhook)
    _arrived(transfer, sender_name=users_name(transfer.sender_id), now=now)
    return True


@transaction.atomic
def transfer_reject(*, reference: str, now: datetime) -> bool:
    """The fraud case refused a held transfer: release the hold and the limits it used (safe twice)."""
    transfer = _held_transfer(reference)
    if transfer is None or transfer.status != WalletTransfer.Status.HELD:
        return False
    _give_back(transfer, now=now, why="it was refused after review")
    return True


def _give_back(transfer: WalletTransfer, *, now: datetime, why: str) -> None:
    assert transfer.hold_id is not None
    hold = ledger_read.hold_get(hold_id=transfer.hold_id)
    if hold.status == "active" and hold.expires_at > now:
        ledger.hold_release(hold_id=transfer.hold_id, now=now)
    elif hold.status == "active":
        # Its term passed before the sweep ran: sweeping now gives the money back with the refusal.
        ledger.holds_expire(now=now)
    reference = f"wallet-transfer:{transfer.pk}"
    kyc.limits_release(customer_id=transfer.sender_id, kind=kyc.LimitKind.WALLET_OUT, ref=reference, now=now)
    transfer.status = WalletTransfer.Status.REJECTED
    transfer.completed_at = now
    transfer.save(update_fields=["status", "completed_at"])
    # A request this transfer paid was not paid after all: it waits again (until its own expiry).
    MoneyRequest.objects.filter(transfer=transfer, status=MoneyRequest.Status.PAID).update(
        status=MoneyRequest.Status.PENDING, transfer=None, decided_at=None
    )
    _publish(transfer, names.TRANSFER_SENT)  # the sender's side again, now final
    notify(
        customer_id=transfer.sender_id, kind="wallets.activity", title="A transfer was not made",
        body=f"Your transfer of {Money(transfer.amount_minor, transfer.currency).format()} was not made: {why}; "
        "the money is available again.", link="/app/wallets/", now=now,
    )  # fmt: skip
