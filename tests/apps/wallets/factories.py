"""Wallet test data: customers at a KYC tier, funded wallets, approved SCA challenges."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import factory
from factory.django import DjangoModelFactory

from apps.kyc.models import CustomerKyc
from apps.wallets.models import BankAccount, Wallet
from apps.wallets.services import sca_gate, transfers
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.sca import selectors as sca_read
from bankcore.sca.models import Challenge
from bankcore.users.models import User

_keys = itertools.count()


class CustomerFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"wallet-customer{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="correct-Horse-battery-9", **kwargs)


def customer(*, tier: int = 2, rating: str = "low", **kwargs: Any) -> User:
    user = CustomerFactory(**kwargs)
    if tier:
        CustomerKyc.objects.create(customer=user, tier_id=tier, risk_rating=rating if tier == 2 else "",
                                   updated_at=datetime(2026, 1, 5, 9, 0).astimezone())  # fmt: skip
    return user


def funded_wallet(user: User, amount: str = "100.00", currency: str = "EUR", *, now: datetime) -> Wallet:
    """The customer's wallet with ``amount`` in it (a card top-up's booking, without the card)."""
    wallet = wallet_open(customer_id=user.pk, currency=currency, now=now)
    money = Money.of(amount, currency)
    if money.minor:
        clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency=currency)
        ledger.transfer(
            from_account_id=clearing, to_account_id=wallet.ledger_account_id, amount=money,
            idempotency_key=f"test-fund-{next(_keys)}",
        )  # fmt: skip
    return wallet


def approved_challenge(user: User, *, wallet: Wallet, address: str, amount: Money, now: datetime) -> int:
    """A challenge the customer approved with their code for exactly this transfer."""
    details = transfers.sca_details(source_wallet_id=wallet.pk, address=address, amount=amount)
    stored = dict(details.items())
    challenge = Challenge.objects.create(
        user=user, action=sca_gate.ACTION, details=stored,
        details_hash=sca_read.details_hash(action=sca_gate.ACTION, details=stored), status=Challenge.Status.APPROVED,
        created_at=now - timedelta(seconds=10), expires_at=now + timedelta(minutes=4), approved_at=now,
    )  # fmt: skip
    return int(challenge.pk)


def texted_code(user: User) -> str:
    """The last code the simulated carrier delivered to this customer's phone (their inbox)."""
    import re

    from bankcore.notifications.models import Notification

    body = Notification.objects.filter(customer=user, kind="wallets.sms").latest("id").body
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body
    return found.group(1)


def verified_phone(user: User, number: str, *, now: datetime) -> str:
    """The customer adds ``number`` and enters the code texted to it, as on the phone page."""
    from apps.wallets.services import phones

    phones.phone_claim(customer_id=user.pk, phone=number, now=now)
    return phones.phone_verify(customer_id=user.pk, code=texted_code(user), now=now)


def key() -> str:
    return f"k-{next(_keys)}"


def rule_active(code: str, condition: str, score: int, *, now: datetime) -> None:
    """An active fraud rule (as after maker-checker activation)."""
    from apps.fraud.models import RuleVersion
    from apps.fraud.selectors import rules as rule_sets
    from apps.fraud.services import rules

    # The compiled set is keyed by version ids, which a rolled-back test database hands out again.
    rule_sets._rules_cache = None

    version_id = rules.rule_version_create(code=code, condition=condition, score=score, description=code, now=now)
    RuleVersion.objects.filter(pk=version_id).update(status=RuleVersion.Status.ACTIVE, activated_at=now)
