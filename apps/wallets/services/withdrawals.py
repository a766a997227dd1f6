"""Withdraw (redeem) e-money at par to a bank account, at any time (e-money rules).

In one transaction: the wallet pays the bank's e-money redemption account (a ledger transfer
under the wallet's lock), and that account makes an ordinary payment through
``apps.payments.interface.payment_initiate`` (validation, verification of payee, KYC limits,
fraud, clearing). SCA is the wallet's: a code over exactly this withdrawal, or an exemption
recorded by ``bankcore.sca``. When the payment is rejected, returned or cancelled, the money
comes back to the wallet (``withdrawal_refund``, on the payment's event).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.payments import interface as payments
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import BankAccount, Wallet, Withdrawal
from apps.wallets.services import recovery, sca_gate
from apps.wallets.services.transfers import spend_check, users_name
from apps.wallets.services.wallets import bank_account
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.notifications import notify


def withdrawal_details(*, wallet_id: int, iban: str, amount: Money) -> dict[str, str | int]:
    """What the customer approves with a code: the wallet, the account paid and the amount."""
    compact = iban.replace(" ", "").upper()
    return {"wallet": wallet_id, "iban": compact, "amount": amount.to_decimal_string(), "currency": amount.currency}


@transaction.atomic
def withdrawal_create(
    *,
    customer_id: int,
    wallet_id: int,
    amount: Money,
    iban: str,
    idempotency_key: str,
    now: datetime,
    challenge_id: int | None = None,
) -> int:
    """Pay ``amount`` from the customer's wallet to their own bank account ``iban``; returns the withdrawal id.

    E-money is redeemed to its holder: an account of this bank must be theirs, and another bank
    must confirm the holder's name (verification of payee). Refused otherwise (``payee_not_payer``),
    with nothing moved.
    """
    wallet = Wallet.objects.select_for_update().filter(pk=wallet_id, customer_id=customer_id).first()
    if wallet is None:
        raise WalletNotFound("No such wallet.")
    earlier = Withdrawal.objects.filter(customer_id=customer_id, idempotency_key=idempotency_key).first()
    if earlier is not None:
        if (earlier.wallet_id, earlier.amount_minor, earlier.currency) != (wallet.pk, amount.minor, amount.currency):
            raise WalletRefused("This key was used for another withdrawal.", code="idempotency_key_reused")
        return earlier.pk
    if amount.currency != "EUR":
        raise WalletRefused("Withdrawals go to a euro bank account: convert to EUR first.", code="unsupported_currency")
    if amount.minor <= 0:
        raise WalletRefused("The amount must be greater than zero.", code="invalid_amount")
    spend_check(wallet=wallet, amount=amount)
    withdrawal = Withdrawal(
        customer_id=customer_id, wallet=wallet, amount_minor=amount.minor, currency=amount.currency,
        creditor_iban=iban.replace(" ", "").upper(), idempotency_key=idempotency_key, created_at=now,
    )  # fmt: skip
    details = withdrawal_details(wallet_id=wallet.pk, iban=iban, amount=amount)
    if challenge_id is not None:
        sca_gate.challenge_use(
            customer_id=customer_id, challenge_id=challenge_id, details=details, now=now,
            action=sca_gate.WITHDRAWAL_ACTION,
        )  # fmt: skip
        withdrawal.sca_challenge_id = challenge_id
    else:
        withdrawal.sca_exemption = sca_gate.exemption_choose(customer_id=customer_id, amount=amount, now=now)
    withdrawal.save()
    reference = f"wallet-withdrawal:{withdrawal.pk}"
    if withdrawal.sca_exemption:
        sca_gate.exemption_apply(
            customer_id=customer_id, exemption=withdrawal.sca_exemption, amount=amount, ref=reference, now=now
        )
    redemption = bank_account(purpose=BankAccount.Purpose.EMONEY_REDEMPTION, currency=amount.currency)
    withdrawal.entry_id = ledger.transfer(
        from_account_id=wallet.ledger_account_id, to_account_id=redemption, amount=amount, idempotency_key=reference,
        description=f"Wallet withdrawal {withdrawal.pk}",
    )  # fmt: skip
    try:
        payment = payments.payment_initiate(
            customer_id=customer_id, amount=amount, creditor_name=users_name(customer_id), creditor_iban=iban,
            idempotency_key=reference, now=now, source_ledger_account_id=redemption,
            debtor_name="bankcore e-money redemptions", reference=f"Wallet withdrawal {withdrawal.pk}",
            channel="wallet", sca_exemption=withdrawal.sca_exemption or "wallet_sca", payee_must_be_payer=True,
        )  # fmt: skip
    except (payments.PaymentInvalid, payments.PaymentRefused) as refused:
        raise WalletRefused(str(refused), code=refused.code) from None
    withdrawal.payment_id = payment.id
    withdrawal.save(update_fields=["entry_id", "payment_id"])
    return withdrawal.pk


@transaction.atomic
def withdrawal_refund(*, payment_id: int, now: datetime) -> bool:
    """The withdrawal's payment was rejected, returned or cancelled: the money goes back to the wallet (safe twice)."""
    withdrawal = Withdrawal.objects.select_for_update().filter(payment_id=payment_id).first()
    if withdrawal is None or withdrawal.status == Withdrawal.Status.REFUNDED:
        return False
    wallet = Wallet.objects.select_for_update().get(pk=withdrawal.wallet_id)
    amount = Money(withdrawal.amount_minor, withdrawal.currency)
    redemption = bank_account(purpose=BankAccount.Purpose.EMONEY_REDEMPTION, currency=amount.currency)
    withdrawal.refund_entry_id = ledger.transfer(
        from_account_id=redemption, to_account_id=wallet.ledger_account_id, amount=amount,
        idempotency_key=f"wallet-withdrawal:{withdrawal.pk}:refund",
        description=f"Withdrawal {withdrawal.pk} came back",
    )  # fmt: skip
    withdrawal.status = Withdrawal.Status.REFUNDED
    withdrawal.save(update_fields=["refund_entry_id", "status"])
    recovery.recovery_settle(wallet=wallet, now=now)
    notify(
        customer_id=withdrawal.customer_id, kind="wallets.activity", title="A withdrawal came back",
        body=f"{amount.format()} to {withdrawal.creditor_iban} could not be paid and is back in your wallet.",
        link="/app/wallets/", now=now,
    )  # fmt: skip
    return True
