from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from apps.kyc.models import CustomerKyc
from bankcore.users.models import User
from tests.apps.kyc.document_files import attach_documents


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


def case_in_review(customer_id: int, now: datetime, *, owners: int = 0, **overrides: Any) -> int:
    """A customer's case as the screening task leaves it: profile saved, submitted, screened."""
    from apps.kyc import services

    business = overrides.pop("business", False) or owners > 0
    data = business_data(**overrides) if business else person_data(**overrides)
    services.party_save(customer_id=customer_id, data=data, now=now)
    for n in range(owners):
        services.owner_add(
            customer_id=customer_id,
            name=f"Owner Number{n}",
            birth_date="1975-03-01",
            nationality="DE",
            ownership_percent="30",
            now=now,
        )
    attach_documents(customer_id=customer_id, now=now)  # kycdocs: a case is submitted with its documents
    case_id = services.case_submit(customer_id=customer_id, now=now)
    services.case_screen(case_id=case_id, now=now)  # the task's body (tests do not run on-commit hooks)
    return case_id
