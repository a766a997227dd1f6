"""The one visibility rule: the acting-for customer's own objects, or what a usable consent opens; else nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bankcore.api.models import PartnerGrant
from bankcore.api.visibility import partner_acting_for, partner_may_see, partner_visibility
from bankcore.users.models import User
from tests.bankcore.api.factories import AccountConsentFactory, PartnerGrantFactory, PaymentConsentFactory
from tests.bankcore.users.factories import UserFactory

pytestmark = pytest.mark.django_db

KINDS = ["accounts", "balances", "transactions", "payments", "wallets"]
TODAY = date(2026, 11, 2)


@pytest.fixture
def business() -> User:
    return UserFactory()


@pytest.fixture
def partner(business: User) -> PartnerGrant:
    return PartnerGrantFactory(acting_for=business)


def sees(partner: PartnerGrant, customer: User, account_id: int | None, access: str, now: datetime) -> bool:
    return partner_may_see(
        application_id=partner.application_id, customer_id=customer.pk, account_id=account_id, access=access, now=now
    )


class TestActingFor:
    @pytest.mark.parametrize("access", KINDS)
    def test_sees_every_kind_of_its_customer(
        self, partner: PartnerGrant, business: User, now: datetime, access: str
    ) -> None:
        assert sees(partner, business, 11, access, now)
        assert sees(partner, business, None, access, now)
        assert partner_acting_for(application_id=partner.application_id) == business.pk

    @pytest.mark.parametrize("access", KINDS)
    def test_sees_nothing_of_another_customer(self, partner: PartnerGrant, now: datetime, access: str) -> None:
        assert not sees(partner, UserFactory(), 11, access, now)

    @pytest.mark.parametrize("access", KINDS)
    def test_another_partner_sees_nothing_of_the_customer(self, business: User, now: datetime, access: str) -> None:
        assert not sees(PartnerGrantFactory(), business, 11, access, now)


class TestConsent:
    def test_opens_exactly_the_accounts_and_kinds_granted(self, now: datetime) -> None:
        consent = AccountConsentFactory(account_ids=[5], balances=True, transactions=False)
        partner = PartnerGrantFactory(application=consent.application)
        alice = consent.customer
        assert sees(partner, alice, 5, "accounts", now)
        assert sees(partner, alice, 5, "balances", now)
        assert not sees(partner, alice, 5, "transactions", now)  # not granted
        assert not sees(partner, alice, 6, "accounts", now)  # another account of hers
        assert not sees(partner, alice, None, "accounts", now)
        for kind in ("payments", "wallets"):
            assert not sees(partner, alice, 5, kind, now)

    def test_another_partner_or_customer_gets_nothing_from_it(self, now: datetime) -> None:
        consent = AccountConsentFactory(account_ids=[5])
        other_partner = PartnerGrantFactory()
        assert not sees(other_partner, consent.customer, 5, "balances", now)
        partner = PartnerGrantFactory(application=consent.application)
        # The account named by the consent, but owned by someone else: the owner decides, not the consent.
        assert not sees(partner, UserFactory(), 5, "balances", now)

    @pytest.mark.parametrize("status", ["received", "rejected", "revokedByPsu", "expired", "terminatedByTpp"])
    def test_only_a_valid_consent_opens(self, now: datetime, status: str) -> None:
        consent = AccountConsentFactory(account_ids=[5], status=status, approved_at=None)
        partner = PartnerGrantFactory(application=consent.application)
        assert not sees(partner, consent.customer, 5, "accounts", now)

    def test_past_its_last_day_it_opens_nothing_even_before_the_expiry_task(self, now: datetime) -> None:
        consent = AccountConsentFactory(account_ids=[5], valid_until=TODAY)
        partner = PartnerGrantFactory(application=consent.application)
        assert sees(partner, consent.customer, 5, "balances", now)
        assert not sees(partner, consent.customer, 5, "balances", now + timedelta(days=1))

    def test_a_payment_consent_opens_payments_of_its_source_account_only(self, now: datetime) -> None:
        consent = PaymentConsentFactory(source_account_id=5)
        partner = PartnerGrantFactory(application=consent.application)
        assert sees(partner, consent.customer, 5, "payments", now)
        assert not sees(partner, consent.customer, 6, "payments", now)
        assert not sees(partner, consent.customer, 5, "balances", now)

    def test_unknown_kind_is_a_programming_error(self, partner: PartnerGrant, business: User, now: datetime) -> None:
        with pytest.raises(ValueError, match="unknown access kind"):
            sees(partner, business, 1, "everything", now)


def test_visibility_lists_acting_for_and_consented_accounts(now: datetime) -> None:
    business = UserFactory()
    partner = PartnerGrantFactory(acting_for=business)
    alice = UserFactory()
    AccountConsentFactory(application=partner.application, customer=alice, account_ids=[5, 6], transactions=False)
    AccountConsentFactory(application=partner.application, customer=alice, account_ids=[6], balances=False)
    AccountConsentFactory(application=partner.application, account_ids=[9], status="revokedByPsu", approved_at=None)
    AccountConsentFactory(account_ids=[10])  # another partner's
    seen = partner_visibility(application_id=partner.application_id, now=now)
    assert seen.acting_for_id == business.pk
    assert seen.account_ids(access="accounts") == {5, 6}
    assert seen.account_ids(access="balances") == {5, 6}
    assert seen.account_ids(access="transactions") == {6}
    assert seen.consented[6].customer_id == alice.pk
    assert len(seen.consented[6].consent_ids) == 2


def test_acts_for_only_its_own_business_customer(partner: PartnerGrant, business: User) -> None:
    from bankcore.api.visibility import partner_acts_for

    assert partner_acts_for(application_id=partner.application_id, customer_id=business.pk)
    assert not partner_acts_for(application_id=partner.application_id, customer_id=UserFactory().pk)
    assert not partner_acts_for(application_id=PartnerGrantFactory().application_id, customer_id=business.pk)
