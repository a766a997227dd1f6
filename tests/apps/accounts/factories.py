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
