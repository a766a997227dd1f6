"""Withdraw at par to a bank account: the wallet pays the e-money account, which pays out through payments."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.payments import interface as payments
from apps.wallets.errors import WalletRefused
from apps.wallets.models import BankAccount, Withdrawal
from apps.wallets.services import withdrawals
from apps.wallets.services.wallets import bank_account
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet, key

IBAN = "DE89370400440532013000"


def test_a_low_value_withdrawal_becomes_a_payment_from_the_emoney_account(now: datetime) -> None:
    alice = customer()
    wallet = funded_wallet(alice, "50.00", now=now)
    withdrawal_id = withdrawals.withdrawal_create(
        customer_id=alice.pk, wallet_id=wallet.pk, amount=Money.of("20.00", "EUR"), iban=IBAN, idempotency_key="w1",
        now=now,
    )  # fmt: skip
    again = withdrawals.withdrawal_create(
        customer_id=alice.pk, wallet_id=wallet.pk, amount=Money.of("20.00", "EUR"), iban=IBAN, idempotency_key="w1",
        now=now,
    )  # fmt: skip
    assert again == withdrawal_id
    withdrawal = Withdrawal.objects.get(pk=withdrawal_id)
    assert withdrawal.sca_exemption == "low_value"
    assert withdrawal.payment_id is not None
    payment = payments.payment_get(payment_id=withdrawal.payment_id)
    assert payment.amount == Money.of("20.00", "EUR")
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money.of("30.00", "EUR")
    redemption = bank_account(purpose=BankAccount.Purpose.EMONEY_REDEMPTION, currency="EUR")
    assert ledger_read.available_balance(account_id=redemption).minor <= 2000

    assert withdrawals.withdrawal_refund(payment_id=withdrawal.payment_id, now=now) is True
    assert withdrawals.withdrawal_refund(payment_id=withdrawal.payment_id, now=now) is False
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money.of("50.00", "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [("60.00", "EUR", "insufficient_funds"), ("5.00", "USD", "unsupported_currency"), ("45.00", "EUR", "sca_required")],
)
def test_refusals_move_nothing(now: datetime, amount: str, currency: str, code: str, rates: None) -> None:
    alice = customer()
    wallet = funded_wallet(alice, "50.00", currency, now=now)
    entries = Entry.objects.count()
    with pytest.raises(WalletRefused) as refused:
        withdrawals.withdrawal_create(
            customer_id=alice.pk, wallet_id=wallet.pk, amount=Money.of(amount, currency), iban=IBAN,
            idempotency_key=key(), now=now,
        )  # fmt: skip
    assert refused.value.code == code
    assert Entry.objects.count() == entries
    assert not Withdrawal.objects.exists()
