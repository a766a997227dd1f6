"""KYC fixtures: the default tiers and limits (restored if a transactional test flushed them),
staff in their roles, customers with a verified e-mail address, and the real OFAC list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress

from apps.kyc import services
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.fraud.conftest import _index_follows_the_database, _ofac_session, no_list, ofac  # noqa: F401
from tests.apps.kyc.factories import CustomerFactory

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tiers(db: None) -> None:
    services.tiers_defaults_ensure()


def staff_in(role: str, email: str) -> User:
    roles.roles_sync()
    user = User.objects.create_user(email=email, password="x-Passw0rd-123", is_staff=True, full_name=role)
    roles.user_roles_set(user_id=user.pk, roles=[role])
    return user


@pytest.fixture
def officer(db: None) -> User:
    return staff_in(roles.KYC_OFFICER, "officer@bank.test")


@pytest.fixture
def second_officer(db: None) -> User:
    return staff_in(roles.KYC_OFFICER, "officer2@bank.test")


@pytest.fixture
def auditor(db: None) -> User:
    return staff_in(roles.AUDITOR, "auditor@bank.test")


@pytest.fixture
def support(db: None) -> User:
    return staff_in(roles.SUPPORT_AGENT, "support@bank.test")


def verified_customer(**kwargs: object) -> User:
    customer = CustomerFactory(**kwargs)
    EmailAddress.objects.create(user=customer, email=customer.email, verified=True, primary=True)
    return customer


@pytest.fixture
def customer(db: None) -> User:
    return verified_customer()


@pytest.fixture
def other_customer(db: None) -> User:
    return verified_customer()
