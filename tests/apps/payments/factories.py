"""Payments test data: verified customers with funded EUR accounts (through the real services),
enrolled second factors, beneficiaries, and the codes their authenticator shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from apps.accounts.models import Account
from apps.accounts.services import opening
from apps.kyc.models import CustomerKyc
from apps.payments.models import (
    BatchFormat,
    BatchStatus,
    Beneficiary,
    LineStatus,
    Payment,
    PaymentBatch,
    PaymentBatchLine,
    PaymentChannel,
    PaymentKind,
    PaymentStatus,
)
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money
from bankcore.users.models import User
from tests.bankcore.users.otp import totp_code

OPENED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# IBANs of other banks that the simulator's directory knows (see simulators/clearing/vop.py).
EXTERNAL_IBAN = "DE89370400440532013000"
EXTERNAL_NAME = "Max Mustermann"
OTHER_EXTERNAL_IBAN = "NL91ABNA0417164300"
# This bank's country and bank code with a number below the first one it issues: no account has it.
UNKNOWN_OWN_IBAN = "DE85100200300000999999"


class CustomerFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"payments-customer{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="correct-Horse-battery-9", **kwargs)


@dataclass
class Payer:
    user: User
    account: Account
    device: TOTPDevice

    @property
    def id(self) -> int:
        return self.user.pk

    def code(self, steps_ahead: int = 0) -> str:
        return totp_code(self.device, steps_ahead=steps_ahead)


def funding_account(currency: str = "EUR") -> int:
    name = f"test funding {currency}"
    found = LedgerAccount.objects.filter(name=name).values_list("pk", flat=True).first()
    return found or ledger.account_open(name=name, currency=currency, allow_negative=True)


def fund(account: Account, amount: str) -> None:
    ledger.transfer(
        from_account_id=funding_account(account.currency),
        to_account_id=account.ledger_account_id,
        amount=Money.of(amount, account.currency),
        idempotency_key=f"fund:{account.pk}:{amount}:{ledger_read.balance(account_id=account.ledger_account_id).minor}",
    )


def payer(*, balance: str = "1000.00", tier: int = 2, full_name: str | None = None, currency: str = "EUR") -> Payer:
    """A verified customer with an authenticator device and a funded current account."""
    kwargs = {"full_name": full_name} if full_name else {}
    user = CustomerFactory(**kwargs)
    CustomerKyc.objects.create(customer=user, tier_id=tier, risk_rating="low", updated_at=OPENED_AT)
    account_id = opening.account_open_for_customer(
        customer_id=user.pk, product_code="current", currency=currency, now=OPENED_AT
    )
    account = Account.objects.get(pk=account_id)
    if balance and Money.of(balance, currency).minor:
        fund(account, balance)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return Payer(user=user, account=account, device=device)


def beneficiary(
    *, owner: Payer, name: str = EXTERNAL_NAME, iban: str = EXTERNAL_IBAN, trusted: bool = False
) -> Beneficiary:
    return Beneficiary.objects.create(
        customer=owner.user,
        name=name,
        iban=iban,
        trusted=trusted,
        trusted_at=OPENED_AT if trusted else None,
        created_at=OPENED_AT,
        updated_at=OPENED_AT,
    )


class PaymentRowFactory(DjangoModelFactory[Payment]):
    """A stored accepted payment of ``owner``'s account, as a list shows it (no ledger hold: nothing moves)."""

    class Meta:
        model = Payment

    class Params:
        owner: Payer | None = None

    customer = factory.LazyAttribute(lambda o: o.owner.user)
    source_account_id = factory.LazyAttribute(lambda o: o.owner.account.pk)
    source_ledger_account_id = factory.LazyAttribute(lambda o: o.owner.account.ledger_account_id)
    debtor_name = factory.LazyAttribute(lambda o: o.owner.user.full_name)
    debtor_iban = factory.LazyAttribute(lambda o: o.owner.account.iban)
    amount_minor = 1000
    currency = "EUR"
    creditor_name = EXTERNAL_NAME
    creditor_iban = EXTERNAL_IBAN
    end_to_end_id = factory.Sequence(lambda n: f"E2E-{n}")
    tx_id = factory.Sequence(lambda n: f"BCROW{n:029d}")
    kind = PaymentKind.SEPA
    channel = PaymentChannel.API
    execution_date = OPENED_AT.date()
    status = PaymentStatus.ACCEPTED
    idempotency_key = factory.Sequence(lambda n: f"row-{n}")
    request_fingerprint = "row"
    created_at = OPENED_AT
    updated_at = OPENED_AT


class PaymentBatchRowFactory(DjangoModelFactory[PaymentBatch]):
    """A stored batch of ``owner``'s account with no lines, as a list shows it."""

    class Meta:
        model = PaymentBatch

    class Params:
        owner: Payer | None = None

    customer = factory.LazyAttribute(lambda o: o.owner.user)
    source_account_id = factory.LazyAttribute(lambda o: o.owner.account.pk)
    uploaded_by = factory.LazyAttribute(lambda o: f"partner:{o.partner_id}")
    source_format = BatchFormat.JSON
    status = BatchStatus.COMPLETED
    idempotency_key = factory.Sequence(lambda n: f"batch-row-{n}")
    request_fingerprint = "row"
    created_at = OPENED_AT
    updated_at = OPENED_AT


class PaymentBatchLineRowFactory(DjangoModelFactory[PaymentBatchLine]):
    """A line of ``batch`` that made ``payment`` (both required) and was accepted, as execution leaves it."""

    class Meta:
        model = PaymentBatchLine

    line_no = factory.Sequence(lambda n: n + 1)
    creditor_name = factory.LazyAttribute(lambda o: o.payment.creditor_name)
    creditor_iban = factory.LazyAttribute(lambda o: o.payment.creditor_iban)
    amount_minor = factory.LazyAttribute(lambda o: o.payment.amount_minor)
    currency = "EUR"
    status = LineStatus.ACCEPTED
