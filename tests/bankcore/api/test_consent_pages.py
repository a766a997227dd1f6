"""The customer's consent pages: approve with the code, refuse, revoke; another customer's consent is a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.api.models import Consent
from bankcore.testing.access import assert_access, login_verified
from tests.bankcore.api.factories import AccountConsentFactory, PaymentConsentFactory
from tests.bankcore.users.factories import UserFactory
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Any:
    return UserFactory()


@pytest.fixture
def requested(alice: Any) -> Consent:
    # The page approves at the wall clock's moment: the consent must not have ended by then.
    now = timezone.now()
    return AccountConsentFactory(
        customer=alice, status="received", approved_at=None, created_at=now, valid_until=now.date() + timedelta(days=90)
    )


def review(consent: Consent) -> str:
    return f"/app/consents/{consent.public_id}/"


def code(user: Any) -> str:
    return totp_code(TOTPDevice.objects.get(user=user))


def test_approve_with_the_code(client: Client, alice: Any, requested: Consent) -> None:
    login_verified(client, alice)
    page = client.get(review(requested))
    assert page.status_code == 200
    assert requested.application.name in page.content.decode()
    answer = client.post(review(requested), {"decision": "approve", "otp_token": code(alice)})
    assert answer.status_code == 302
    requested.refresh_from_db()
    assert requested.status == "valid"


def test_a_wrong_or_missing_code_approves_nothing(client: Client, alice: Any, requested: Consent) -> None:
    login_verified(client, alice)
    assert client.post(review(requested), {"decision": "approve", "otp_token": "000000"}).status_code == 400
    assert client.post(review(requested), {"decision": "approve"}).status_code == 400
    requested.refresh_from_db()
    assert requested.status == "received"


def test_refuse_and_revoke(client: Client, alice: Any, requested: Consent) -> None:
    login_verified(client, alice)
    assert client.post(review(requested), {"decision": "refuse"}).status_code == 302
    requested.refresh_from_db()
    assert requested.status == "rejected"
    valid = PaymentConsentFactory(customer=alice)
    listing = client.get("/app/consents/")
    assert listing.status_code == 200
    assert "One payment of" in listing.content.decode()
    assert client.post(f"/app/consents/{valid.public_id}/revoke/").status_code == 302
    valid.refresh_from_db()
    assert valid.status == "revokedByPsu"


def test_another_customers_consent_is_a_404(client: Client, alice: Any, requested: Consent) -> None:
    assert_access(client, review(requested), owner=alice, other=UserFactory())
    bob = UserFactory()
    login_verified(client, bob)
    assert client.post(review(requested), {"decision": "refuse"}).status_code == 404
    assert client.post(f"/app/consents/{requested.public_id}/revoke/").status_code == 404
    requested.refresh_from_db()
    assert requested.status == "received"
