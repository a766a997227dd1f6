from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from apps.kyc.models import CustomerKyc
from bankcore.users.models import User


class CustomerFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"kyc-customer{n}@example.test")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="correct-Horse-battery-9", **kwargs)


class CustomerKycFactory(DjangoModelFactory[CustomerKyc]):
    """A customer at a tier, without going through a decision (use customer_tier_set to test those)."""

    class Meta:
        model = CustomerKyc

    customer = factory.SubFactory(CustomerFactory)
    tier_id = 1
    risk_rating = ""
    updated_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
