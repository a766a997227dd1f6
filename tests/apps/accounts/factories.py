"""Accounts test data: customers at a KYC tier and their accounts, opened through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Account
from apps.accounts.services import opening
from apps.kyc.models import CustomerKyc
from bankcore.users.models import User

OPENED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class CustomerFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"accounts-customer{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="correct-Horse-battery-9", **kwargs)


def verified_customer(*, tier: int = 2, **kwargs: Any) -> User:
    """A customer KYC has approved at ``tier`` (no decision flow: the status row directly)."""
    customer = CustomerFactory(**kwargs)
    CustomerKyc.objects.create(customer=customer, tier_id=tier, risk_rating="low", updated_at=OPENED_AT)
    return customer


def open_account(
    *, customer: User | None = None, product_code: str = "current", currency: str = "EUR", now: datetime = OPENED_AT
) -> Account:
    customer = customer or verified_customer()
    account_id = opening.account_open_for_customer(
        customer_id=customer.pk, product_code=product_code, currency=currency, now=now
    )
    return Account.objects.select_related("product", "customer").get(pk=account_id)


def staff(*, roles: list[str], email: str | None = None) -> User:
    """A staff member in these role groups (``bankcore.users.roles``), fresh from the database."""
    from bankcore.users import roles as staff_roles

    staff_roles.roles_sync()
    user = CustomerFactory(
        email=email or f"staff-{'-'.join(r.split()[0].lower() for r in roles)}-{User.objects.count()}@bank.test",
        is_staff=True,
    )
    staff_roles.user_roles_set(user_id=user.pk, roles=roles)
    return User.objects.get(pk=user.pk)


def fund(account: Account, minor: int, *, key: str | None = None) -> None:
    """Pay ``minor`` into the account from a bank funding account."""
    from bankcore.ledger import services as ledger
    from bankcore.ledger.models import LedgerAccount
    from bankcore.money import Money

    bank = LedgerAccount.objects.filter(name=f"Test funding {account.currency}").values_list("pk", flat=True).first()
    if bank is None:
        bank = ledger.account_open(
            name=f"Test funding {account.currency}", currency=account.currency, allow_negative=True, kind="internal"
        )
    ledger.transfer(
        from_account_id=bank,
        to_account_id=account.ledger_account_id,
        amount=Money(minor, account.currency),
        idempotency_key=key
        or f"fund:{account.pk}:{LedgerAccount.objects.get(pk=account.ledger_account_id).balance_minor}:{minor}",
    )


def with_history(account: Account, movements: list[tuple[datetime, int, str]]) -> None:
    """Give a fresh account past transactions: (moment, signed amount in minor units, description)."""
    from apps.accounts.services.backfill import Movement, history_backfill
    from bankcore.ledger import services as ledger

    bank = ledger.account_open(
        name=f"History {account.pk}", currency=account.currency, allow_negative=True, kind="internal"
    )
    history_backfill(
        ledger_account_id=account.ledger_account_id,
        counter_ledger_account_id=bank,
        movements=[Movement(at=at, amount_minor=minor, description=text) for at, minor, text in movements],
        key_prefix=f"test-history:{account.pk}",
    )
