"""A customer's KYC standing: the tier they are at, its event, its message, its audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apps.kyc import interface as kyc
from apps.kyc import services
from apps.kyc.models import CustomerKyc
from bankcore.events.models import OutboxEvent
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from tests.apps.kyc.factories import CustomerFactory, business_data, person_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def customer() -> User:
    return CustomerFactory()


def test_reaching_tier_two_is_reported_published_told_and_audited(customer: User) -> None:
    assert services.customer_tier_set(customer_id=customer.pk, tier=2, risk_rating="medium", now=NOW, reason="case 7")
    status = kyc.customer_status(customer_id=customer.pk)
    assert status == kyc.KycStatus(
        customer_id=customer.pk, tier=2, restricted=False, risk_rating="medium", approved_at=NOW, next_review_date=None
    )
    event = OutboxEvent.objects.get(name=kyc.TIER_CHANGED)
    assert event.payload == {"customer_id": customer.pk, "from_tier": 0, "to_tier": 2, "risk_rating": "medium"}
    message = Notification.objects.get(customer=customer)
    assert (message.kind, message.title) == ("kyc.status", "Your account is now at tier 2: Verified")
    history = CustomerKyc.history.filter(customer_id=customer.pk).order_by("history_date")  # type: ignore[attr-defined]
    assert [(h.tier_id, h.history_change_reason) for h in history] == [(2, "case 7")]


def test_the_same_tier_again_publishes_nothing(customer: User) -> None:
    services.customer_tier_set(customer_id=customer.pk, tier=1, risk_rating="", now=NOW, reason="basic")
    assert not services.customer_tier_set(customer_id=customer.pk, tier=1, risk_rating="", now=NOW, reason="again")
    assert OutboxEvent.objects.filter(name=kyc.TIER_CHANGED).count() == 1


def test_tier_two_needs_a_rating(customer: User) -> None:
    with pytest.raises(ValueError, match="risk rating"):
        services.customer_tier_set(customer_id=customer.pk, tier=2, risk_rating="", now=NOW, reason="x")
    assert not CustomerKyc.objects.exists()


def test_a_rating_picks_the_tier_two_limits(customer: User) -> None:
    from bankcore.money import Money

    services.customer_tier_set(customer_id=customer.pk, tier=2, risk_rating="low", now=NOW, reason="x")
    kind = kyc.LimitKind.PAYMENT_OUT
    kyc.limits_check(customer_id=customer.pk, kind=kind, amount=Money.of("50000.00", "EUR"), now=NOW)
    services.customer_tier_set(customer_id=customer.pk, tier=2, risk_rating="high", now=NOW, reason="new facts")
    with pytest.raises(kyc.LimitExceeded) as caught:
        kyc.limits_check(customer_id=customer.pk, kind=kind, amount=Money.of("10000.01", "EUR"), now=NOW)
    assert caught.value.limit == Money.of("10000.00", "EUR")


def test_restriction_stops_and_lifting_it_allows_again(customer: User) -> None:
    from bankcore.money import Money

    services.customer_tier_set(customer_id=customer.pk, tier=1, risk_rating="", now=NOW, reason="x")
    services.customer_restrict(customer_id=customer.pk, restricted=True, reason="review overdue", now=NOW)
    with pytest.raises(kyc.LimitExceeded, match="restricted"):
        kyc.limits_check(customer_id=customer.pk, kind="payment_out", amount=Money(1, "EUR"), now=NOW)
    services.customer_restrict(customer_id=customer.pk, restricted=False, reason="reviewed", now=NOW)
    kyc.limits_check(customer_id=customer.pk, kind="payment_out", amount=Money(1, "EUR"), now=NOW)


def test_the_event_names_are_the_designs() -> None:
    assert (kyc.TIER_CHANGED, kyc.CASE_APPROVED, kyc.CASE_REJECTED) == (
        "kyc.tier.changed",
        "kyc.case.approved",
        "kyc.case.rejected",
    )
    assert kyc.events.TIER_CHANGED == kyc.TIER_CHANGED


def test_demo_customers_are_verified(customer: User) -> None:
    from django.core.management import call_command

    call_command("seed_demo")
    alice = User.objects.get(email="alice@bankcore.localhost")
    assert kyc.customer_status(customer_id=alice.pk).tier == 2
    changes = OutboxEvent.objects.filter(name=kyc.TIER_CHANGED, payload__customer_id=alice.pk)
    assert [e.payload["to_tier"] for e in changes.order_by("pk")] == [1, 2]  # basic profile, then the approval
    call_command("seed_demo")
    assert changes.count() == 2  # a second run changes nothing


@pytest.mark.parametrize(("data", "kind"), [(None, None), (person_data(), "person"), (business_data(), "business")])
def test_the_standing_says_whether_the_customer_is_a_person_or_a_business(
    customer: User, data: dict[str, Any] | None, kind: str | None
) -> None:
    # The fraud rules read it with the standing: a business's payment runs are not a consumer's burst.
    if data is not None:
        services.party_save(customer_id=customer.pk, data=data, now=NOW)
    services.customer_tier_set(customer_id=customer.pk, tier=2, risk_rating="low", now=NOW, reason="case 8")
    assert kyc.customer_status(customer_id=customer.pk).party_kind == kind
