"""Consents: created received, valid only with the customer's SCA, refused at every wrong turn, counted a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from bankcore.api import consents
from bankcore.api.models import Consent
from bankcore.events.models import OutboxEvent
from bankcore.money import Money
from bankcore.sca import services as sca
from bankcore.users.models import User
from tests.bankcore.api.factories import AccountConsentFactory, ApplicationFactory
from tests.bankcore.users.factories import TOTPDeviceFactory, UserFactory
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)  # the bank day of the suite's ``now`` (10:30 UTC, Berlin 11:30)


@pytest.fixture
def customer() -> User:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def app_id() -> int:
    return int(ApplicationFactory().pk)


def access(app_id: int, customer: User, now: datetime, **overrides: object) -> consents.ConsentView:
    args: dict[str, object] = {
        "application_id": app_id,
        "customer_id": customer.pk,
        "account_ids": [7, 8],
        "balances": True,
        "transactions": False,
        "valid_until": TODAY + timedelta(days=90),
        "frequency_per_day": 4,
        "recurring": True,
        "now": now,
    }
    args.update(overrides)
    return consents.consent_account_access_create(**args)  # type: ignore[arg-type]


def refused_code(call: object, **kwargs: object) -> str:
    with pytest.raises(consents.ConsentRefused) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value.code


def approve(consent: consents.ConsentView, customer: User, now: datetime, *, details: dict | None = None) -> int:
    device = customer.totpdevice_set.get()
    action = consents.consent_challenge_action(kind=consent.kind)
    shown = details or consents.consent_challenge_details(consent_id=consent.id, customer_id=customer.pk)
    challenge_id = sca.challenge_confirm(
        user_id=customer.pk, action=action, details=shown, otp_token=totp_code(device), now=now
    )
    consents.consent_approve(consent_id=consent.id, customer_id=customer.pk, challenge_id=challenge_id, now=now)
    return challenge_id


class TestCreate:
    def test_account_access_starts_received(self, app_id: int, customer: User, now: datetime) -> None:
        consent = access(app_id, customer, now, account_ids=[8, 7, 8])
        assert (consent.status, consent.kind, consent.account_ids) == ("received", "account_access", (7, 8))
        assert OutboxEvent.objects.filter(name="consent.created").count() == 1

    def test_valid_until_today_to_180_days(self, app_id: int, customer: User, now: datetime) -> None:
        assert access(app_id, customer, now, valid_until=TODAY).status == "received"
        assert access(app_id, customer, now, valid_until=TODAY + timedelta(days=180)).status == "received"
        for bad in (TODAY - timedelta(days=1), TODAY + timedelta(days=181)):
            with pytest.raises(consents.ConsentRefused) as caught:
                access(app_id, customer, now, valid_until=bad)
            assert caught.value.code == "consent_valid_until_invalid"

    @pytest.mark.parametrize(("frequency", "recurring"), [(0, True), (5, True), (2, False)])
    def test_frequency_is_1_to_4_and_1_when_one_off(
        self, app_id: int, customer: User, now: datetime, frequency: int, recurring: bool
    ) -> None:
        with pytest.raises(consents.ConsentRefused) as caught:
            access(app_id, customer, now, frequency_per_day=frequency, recurring=recurring)
        assert caught.value.code == "consent_frequency_invalid"
        assert not Consent.objects.exists()

    @pytest.mark.parametrize("accounts", [[], [0], [-3]])
    def test_accounts_are_required(self, app_id: int, customer: User, now: datetime, accounts: list[int]) -> None:
        with pytest.raises(consents.ConsentRefused) as caught:
            access(app_id, customer, now, account_ids=accounts)
        assert caught.value.code == "consent_accounts_required"

    def test_payment_consent_refuses_no_amount_or_creditor(self, app_id: int, customer: User, now: datetime) -> None:
        base = {"application_id": app_id, "customer_id": customer.pk, "now": now, "creditor_name": "Muster GmbH"}
        pay = consents.consent_payment_create
        assert refused_code(pay, **base, amount=Money(0, "EUR"), creditor_iban="DE89370400440532013000") == (
            "consent_amount_invalid"
        )
        assert refused_code(pay, **base, amount=Money(100, "EUR"), creditor_iban="  ") == "consent_creditor_required"


class TestApprove:
    def test_customer_approves_with_sca(self, app_id: int, customer: User, now: datetime) -> None:
        consent = access(app_id, customer, now)
        challenge_id = approve(consent, customer, now)
        stored = Consent.objects.get(pk=consent.id)
        assert (stored.status, stored.approved_at) == ("valid", now)
        assert (stored.approved_by, stored.sca_challenge_id) == (Consent.ApprovedBy.SCA, challenge_id)
        assert OutboxEvent.objects.filter(name="consent.approved").count() == 1
        assert stored.history.count() == 2  # created, approved

    def test_a_challenge_for_other_details_is_refused_and_nothing_changes(
        self, app_id: int, customer: User, now: datetime
    ) -> None:
        consent = access(app_id, customer, now)
        details = consents.consent_challenge_details(consent_id=consent.id, customer_id=customer.pk)
        with pytest.raises(sca.ChallengeRefused) as caught:
            approve(consent, customer, now, details={**details, "transactions": True})
        assert caught.value.code == "challenge_mismatch"
        assert Consent.objects.get(pk=consent.id).status == "received"

    def test_another_customer_cannot_approve(self, app_id: int, customer: User, now: datetime) -> None:
        consent = access(app_id, customer, now)
        other = UserFactory()
        TOTPDeviceFactory(user=other)
        with pytest.raises(consents.ConsentNotFound):
            consents.consent_challenge_details(consent_id=consent.id, customer_id=other.pk)
        own_challenge = sca.challenge_confirm(
            user_id=other.pk,
            action="consent_account_access",
            details={},
            otp_token=totp_code(other.totpdevice_set.get()),
            now=now,
        )
        code = refused_code(
            consents.consent_approve, consent_id=consent.id, customer_id=other.pk, challenge_id=own_challenge, now=now
        )
        assert code == "consent_not_found"

    def test_a_decided_consent_cannot_be_approved_again(self, app_id: int, customer: User, now: datetime) -> None:
        consent = access(app_id, customer, now)
        consents.consent_reject(consent_id=consent.id, customer_id=customer.pk, now=now)
        with pytest.raises(consents.ConsentRefused) as caught:
            approve(consent, customer, now)
        assert caught.value.code == "consent_not_received"

    def test_a_stale_request_cannot_be_approved(self, app_id: int, customer: User, now: datetime) -> None:
        consent = access(app_id, customer, now)
        later = now + consents.APPROVAL_WINDOW + timedelta(seconds=1)
        with pytest.raises(consents.ConsentRefused) as caught:
            approve(consent, customer, later)
        assert caught.value.code == "consent_expired"

    def test_approving_a_payment_consent_is_the_payments_sca(self, app_id: int, customer: User, now: datetime) -> None:
        for n in range(5):
            with transaction.atomic():
                sca.sca_exemption_apply(
                    payer_id=customer.pk, exemption="low_value", amount=Money(100, "EUR"), ref=f"p:{n}", now=now
                )
        consent = consents.consent_payment_create(
            application_id=app_id,
            customer_id=customer.pk,
            amount=Money(2500, "EUR"),
            creditor_name="Muster  GmbH",
            creditor_iban="de89 3704 0044 0532 0130 00",
            now=now,
        )
        assert (consent.creditor_name, consent.creditor_iban) == ("Muster GmbH", "DE89370400440532013000")
        approve(consent, customer, now)
        assert Consent.objects.get(pk=consent.id).status == "valid"
        assert sca.sca_exemption_counter(payer_id=customer.pk).exempt_count == 0


class TestEndings:
    def test_reject_only_what_was_received(self, customer: User, now: datetime) -> None:
        received = AccountConsentFactory(customer=customer, status="received", approved_at=None)
        consents.consent_reject(consent_id=received.pk, customer_id=customer.pk, now=now)
        assert Consent.objects.get(pk=received.pk).status == "rejected"
        valid = AccountConsentFactory(customer=customer)
        code = refused_code(consents.consent_reject, consent_id=valid.pk, customer_id=customer.pk, now=now)
        assert code == "consent_not_received"

    def test_customer_revokes(self, customer: User, now: datetime) -> None:
        valid = AccountConsentFactory(customer=customer)
        consents.consent_revoke(consent_id=valid.pk, customer_id=customer.pk, now=now)
        assert Consent.objects.get(pk=valid.pk).status == "revokedByPsu"
        assert OutboxEvent.objects.filter(name="consent.revoked").count() == 1
        again = refused_code(consents.consent_revoke, consent_id=valid.pk, customer_id=customer.pk, now=now)
        assert again == "consent_not_open"
        other = AccountConsentFactory()
        with pytest.raises(consents.ConsentNotFound):
            consents.consent_revoke(consent_id=other.pk, customer_id=customer.pk, now=now)

    def test_partner_terminates_its_own_only(self, now: datetime) -> None:
        valid = AccountConsentFactory()
        with pytest.raises(consents.ConsentNotFound):
            consents.consent_terminate(consent_id=valid.pk, application_id=ApplicationFactory().pk, now=now)
        consents.consent_terminate(consent_id=valid.pk, application_id=valid.application_id, now=now)
        assert Consent.objects.get(pk=valid.pk).status == "terminatedByTpp"
        code = refused_code(
            consents.consent_terminate, consent_id=valid.pk, application_id=valid.application_id, now=now
        )
        assert code == "consent_not_open"

    def test_expire_past_last_day_and_stale_requests_once(self, now: datetime) -> None:
        past = AccountConsentFactory(valid_until=TODAY - timedelta(days=1))
        last_day = AccountConsentFactory(valid_until=TODAY)
        stale = AccountConsentFactory(status="received", approved_at=None, created_at=now - timedelta(hours=25))
        fresh = AccountConsentFactory(status="received", approved_at=None, created_at=now - timedelta(hours=23))
        assert consents.consents_expire(now=now) == 2
        status = dict(Consent.objects.values_list("pk", "status"))
        assert (status[past.pk], status[last_day.pk], status[stale.pk], status[fresh.pk]) == (
            "expired",
            "valid",
            "expired",
            "received",
        )
        assert consents.consents_expire(now=now) == 0


class TestAccessFrequency:
    def test_beyond_frequency_per_day_is_refused_until_the_next_bank_day(self, now: datetime) -> None:
        consent = AccountConsentFactory(frequency_per_day=2, account_ids=[1, 2])
        record = consents.consent_access_record
        record(consent_id=consent.pk, account_id=1, access="balances", now=now)
        record(consent_id=consent.pk, account_id=1, access="balances", now=now)
        with pytest.raises(consents.AccessFrequencyExceeded) as caught:
            record(consent_id=consent.pk, account_id=1, access="balances", now=now)
        assert caught.value.status_code == 429
        # Berlin midnight is 23:00 UTC in November: 12 h 30 min after 10:30 UTC.
        assert caught.value.retry_after_seconds == 12 * 3600 + 30 * 60
        # Other resources and accounts have their own count.
        record(consent_id=consent.pk, account_id=1, access="transactions", now=now)
        record(consent_id=consent.pk, account_id=2, access="balances", now=now)
        # A new bank day starts at Berlin midnight, not UTC midnight.
        record(consent_id=consent.pk, account_id=1, access="balances", now=now.replace(hour=23, minute=0))

    def test_the_account_list_is_counted_as_its_own_resource(self, now: datetime) -> None:
        consent = AccountConsentFactory(frequency_per_day=1)
        consents.consent_access_record(consent_id=consent.pk, account_id=None, access="accounts", now=now)
        with pytest.raises(consents.AccessFrequencyExceeded):
            consents.consent_access_record(consent_id=consent.pk, account_id=None, access="accounts", now=now)
        consents.consent_access_record(consent_id=consent.pk, account_id=1, access="accounts", now=now)

    def test_payments_and_wallets_are_not_reads_of_a_consent(self, now: datetime) -> None:
        consent = AccountConsentFactory()
        for kind in ("payments", "wallets"):
            code = refused_code(
                consents.consent_access_record, consent_id=consent.pk, account_id=1, access=kind, now=now
            )
            assert code == "access_kind_invalid"

    def test_one_off_reads_each_resource_once_ever(self, now: datetime) -> None:
        consent = AccountConsentFactory(frequency_per_day=1, recurring=False)
        consents.consent_access_record(consent_id=consent.pk, account_id=1, access="balances", now=now)
        with pytest.raises(consents.AccessFrequencyExceeded):
            consents.consent_access_record(
                consent_id=consent.pk, account_id=1, access="balances", now=now + timedelta(days=1)
            )

    @pytest.mark.parametrize("status", ["received", "rejected", "revokedByPsu", "expired", "terminatedByTpp"])
    def test_only_a_valid_consent_is_read(self, now: datetime, status: str) -> None:
        consent = AccountConsentFactory(status=status, approved_at=None)
        code = refused_code(
            consents.consent_access_record, consent_id=consent.pk, account_id=1, access="balances", now=now
        )
        assert code == "consent_not_usable"

    def test_past_its_last_day_before_the_expiry_task_ran(self, now: datetime) -> None:
        consent = AccountConsentFactory(valid_until=TODAY - timedelta(days=1))
        code = refused_code(
            consents.consent_access_record, consent_id=consent.pk, account_id=1, access="balances", now=now
        )
        assert code == "consent_not_usable"


class TestSandboxGrant:
    def test_a_valid_consent_with_every_read(self, app_id: int, customer: User, now: datetime) -> None:
        first = consents.consent_sandbox_grant(
            application_id=app_id, customer_id=customer.pk, account_ids=[3, 2], now=now
        )
        assert (first.status, first.balances, first.transactions, first.frequency_per_day) == ("valid", True, True, 4)
        assert tuple(first.account_ids) == (2, 3)
        stored = Consent.objects.get(pk=first.id)
        assert (stored.approved_by, stored.sca_challenge_id) == (Consent.ApprovedBy.SANDBOX, None)

    def test_each_grant_is_fresh_and_ends_the_used_up_one(self, app_id: int, customer: User, now: datetime) -> None:
        first = consents.consent_sandbox_grant(application_id=app_id, customer_id=customer.pk, account_ids=[2], now=now)
        for _ in range(first.frequency_per_day):
            consents.consent_access_record(consent_id=first.id, account_id=2, access="balances", now=now)
        with pytest.raises(consents.AccessFrequencyExceeded):
            consents.consent_access_record(consent_id=first.id, account_id=2, access="balances", now=now)
        later = now + timedelta(minutes=1)
        again = consents.consent_sandbox_grant(
            application_id=app_id, customer_id=customer.pk, account_ids=[2], now=later
        )
        assert again.id != first.id
        consents.consent_access_record(consent_id=again.id, account_id=2, access="balances", now=later)
        ended = Consent.objects.get(pk=first.id)
        assert ended.status == Consent.Status.TERMINATED_BY_TPP
        assert OutboxEvent.objects.filter(name="consent.terminated", payload__consent_id=ended.pk).exists()

    def test_a_consent_the_customer_approved_is_left_alone(self, app_id: int, customer: User, now: datetime) -> None:
        # Approved with SCA in the very moment it was asked for: how it was approved tells them apart.
        own = AccountConsentFactory(
            application_id=app_id, customer=customer, account_ids=[2], created_at=now, approved_at=now
        )
        consents.consent_sandbox_grant(application_id=app_id, customer_id=customer.pk, account_ids=[2], now=now)
        own.refresh_from_db()
        assert own.status == Consent.Status.VALID

    def test_refused_in_production(self, app_id: int, customer: User, now: datetime, settings: Any) -> None:
        settings.DEMO_DATA_ALLOWED = False
        with pytest.raises(consents.ConsentRefused) as caught:
            consents.consent_sandbox_grant(application_id=app_id, customer_id=customer.pk, account_ids=[1], now=now)
        assert caught.value.code == "sandbox_only"
        assert not Consent.objects.exists()


def test_a_partner_finds_only_its_own_consent_by_wire_id(now: datetime) -> None:
    consent = AccountConsentFactory()
    mine = consents.consent_get_for_partner(public_id=consent.public_id, application_id=consent.application_id)
    assert mine is not None
    assert mine.id == consent.pk
    assert consents.consent_get_for_partner(public_id=consent.public_id, application_id=ApplicationFactory().pk) is None
    assert consents.consent_get_for_partner(public_id="not-a-uuid", application_id=consent.application_id) is None
