"""Opening wallets, the bank's own accounts they book against, and freezing."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from apps.wallets.errors import WalletRefused
from apps.wallets.models import BankAccount, Currency, Recovery, Wallet
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount


def _unfrozen_status(wallet: Wallet, *, now: datetime) -> str:
    """What an unfrozen wallet becomes: in recovery while a chargeback taken during the freeze is owed."""
    from apps.wallets.services import recovery

    if not Recovery.objects.filter(wallet=wallet, status=Recovery.Status.OPEN).exists():
        return Wallet.Status.ACTIVE
    if ledger_read.balance(account_id=wallet.ledger_account_id).minor < 0:
        return Wallet.Status.RECOVERY
    recovery.recovery_repaid(wallet=wallet, now=now)
    return Wallet.Status.ACTIVE


def wallet_open(*, customer_id: int, currency: str, now: datetime) -> Wallet:
    """The customer's wallet in ``currency``, opened (with its own ledger account) if there is none.

    A wallet's ledger account may go below zero: only a chargeback ever takes it there (into the
    recovery state); every spending path checks the available balance under the wallet's lock.
    """
    if currency not in Currency.values:
        raise WalletRefused(
            f"Wallets are held in {', '.join(Currency.values)}, not {currency}.", code="unsupported_currency"
        )
    existing = Wallet.objects.filter(customer_id=customer_id, currency=currency).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            account_id = ledger.account_open(
                name=f"Wallet {currency} of customer {customer_id}", currency=currency, allow_negative=True
            )
            return Wallet.objects.create(
                customer_id=customer_id, currency=currency, ledger_account_id=account_id, created_at=now
            )
    except IntegrityError:
        # Opened concurrently: the other one stands (the ledger account above was rolled back).
        return Wallet.objects.get(customer_id=customer_id, currency=currency)


def bank_account(*, purpose: str, currency: str) -> int:
    """The ledger account id of the bank's ``purpose`` account in ``currency``, opened on first use."""
    found = BankAccount.objects.filter(purpose=purpose, currency=currency).values_list("ledger_account_id", flat=True)
    account_id = found.first()
    if account_id is not None:
        return int(account_id)
    label = BankAccount.Purpose(purpose).label
    # Losses are an expense (debit-normal); clearing and the FX position are the bank's
    # balancing accounts and swing either way.
    side = (
        LedgerAccount.NormalSide.DEBIT
        if purpose == BankAccount.Purpose.CHARGEBACK_LOSS
        else LedgerAccount.NormalSide.CREDIT
    )
    try:
        with transaction.atomic():
            account_id = ledger.account_open(
                name=f"{label} {currency}", currency=currency, allow_negative=True,
                kind=LedgerAccount.Kind.INTERNAL, normal_side=side,
            )  # fmt: skip
            BankAccount.objects.create(purpose=purpose, currency=currency, ledger_account_id=account_id)
            return int(account_id)
    except IntegrityError:
        return int(BankAccount.objects.get(purpose=purpose, currency=currency).ledger_account_id)


@transaction.atomic
def wallet_status_set(*, wallet_id: int, status: str, reason: str, now: datetime) -> None:
    """Freeze or unfreeze a wallet (back office); the reason is kept in its history.

    Unfreezing a wallet a chargeback took below zero while frozen puts it in recovery instead.
    """
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    if status not in (Wallet.Status.ACTIVE, Wallet.Status.FROZEN):
        raise WalletRefused("A wallet is frozen or unfrozen here; recovery follows chargebacks.", code="invalid_status")
    if wallet.status == Wallet.Status.RECOVERY and status == Wallet.Status.ACTIVE:
        raise WalletRefused(
            "This wallet is in recovery: it becomes active once repaid or written off.", code="wallet_in_recovery"
        )
    if not reason.strip():
        raise WalletRefused("Say why.", code="reason_required")
    if status == Wallet.Status.ACTIVE and wallet.status == Wallet.Status.FROZEN:
        status = _unfrozen_status(wallet, now=now)
    wallet.status = status
    wallet._change_reason = reason.strip()[:100]  # type: ignore[attr-defined]
    wallet.save(update_fields=["status"])
