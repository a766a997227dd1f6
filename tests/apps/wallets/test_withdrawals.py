"""Withdraw at par to a bank account: the wallet pays the e-money account, which pays out through payments."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.accounts.models import Account
from apps.accounts.services import opening
from apps.payments import interface as payments
from apps.wallets.errors import WalletRefused
from apps.wallets.models import BankAccount, Withdrawal
from apps.wallets.services import withdrawals
from apps.wallets.services.wallets import bank_account
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.money import Money
from bankcore.users.models import User
from tests.apps.wallets.factories import customer, funded_wallet, key

# Another bank's account the clearing simulator holds no name for: in the sandbox it confirms any.
IBAN = "BE68539007547034"

pytestmark = pytest.mark.usefixtures("vop")
SOMEONE_ELSES = "DE89370400440532013000"  # Max Mustermann's, at the simulator's bank


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


def _current_account(user: User, now: datetime) -> Account:
    account_id = opening.account_open_for_customer(customer_id=user.pk, product_code="current", currency="EUR", now=now)
    return Account.objects.get(pk=account_id)


def test_to_one_s_own_account_at_this_bank(now: datetime) -> None:
    alice = customer()
    wallet = funded_wallet(alice, "50.00", now=now)
    own = _current_account(alice, now)
    withdrawals.withdrawal_create(
        customer_id=alice.pk, wallet_id=wallet.pk, amount=Money.of("20.00", "EUR"), iban=own.iban,
        idempotency_key=key(), now=now,
    )  # fmt: skip
    assert ledger_read.balance(account_id=own.ledger_account_id) == Money.of("20.00", "EUR")


@pytest.mark.parametrize("whose", ["another customer's", "another bank's, in another name"])
def test_never_to_an_account_of_someone_else(now: datetime, whose: str) -> None:
    alice, bob = customer(), customer()
    wallet = funded_wallet(alice, "50.00", now=now)
    iban = _current_account(bob, now).iban if whose == "another customer's" else SOMEONE_ELSES
    entries = Entry.objects.count()
    with pytest.raises(WalletRefused) as refused:
        withdrawals.withdrawal_create(
            customer_id=alice.pk, wallet_id=wallet.pk, amount=Money.of("20.00", "EUR"), iban=iban,
            idempotency_key=key(), now=now,
        )  # fmt: skip
    assert refused.value.code == "payee_not_payer"
    assert Entry.objects.count() == entries
    assert not Withdrawal.objects.exists()
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money.of("50.00", "EUR")
