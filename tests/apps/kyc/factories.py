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


def person_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid profile of a German resident (valid Steuer-IdNr), as the wizard sends it."""
    data: dict[str, Any] = {
        "kind": "person",
        "legal_name": "Erika Mustermann",
        "birth_date": "1984-08-12",
        "nationality": "DE",
        "address_line": "Heidestrasse 17",
        "address_city": "Köln",
        "address_postcode": "51147",
        "address_country": "DE",
        "phone": "+49 151 23456789",
        "tax_residence": "DE",
        "tax_id": "36574261809",
        "national_id": "T22000129",
        "occupation": "employee",
        "source_of_funds": "salary",
        "expected_monthly_volume_minor": 150_000,
        "pep": False,
    }
    data.update(overrides)
    return data


def business_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid profile of a German limited company (valid VAT number)."""
    data = person_data(
        kind="business",
        legal_name="Max Mustermann",
        occupation="company_director",
        source_of_funds="business_income",
        company_name="Acme Handels GmbH",
        registration_number="Aachen HRB 44123",
        company_country="DE",
        tax_id="DE136695976",
    )
    data.update(overrides)
    return data
