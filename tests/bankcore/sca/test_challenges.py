"""Dynamic linking: a code approves exactly one thing, once, for five minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.errors import DomainError
from bankcore.sca.models import Challenge
from bankcore.sca.selectors import details_hash
from bankcore.sca.services import (
    FAILED_ATTEMPTS_WINDOW,
    MAX_FAILED_ATTEMPTS,
    ChallengeRefused,
    challenge_approve,
    challenge_confirm,
    challenge_consume,
    challenge_create,
)
from bankcore.users.models import AuditEvent, User
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db

PAY_A_100 = {"action": "payment", "amount_minor": 10000, "currency": "EUR", "payee": "DE89370400440532013000"}


@pytest.fixture
def user() -> User:
    return User.objects.create_user(email="payer@example.com", password="x")


@pytest.fixture
def device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def refused(**kwargs: Any) -> str:
    with pytest.raises(ChallengeRefused) as caught:
        challenge_approve(**kwargs)
    return caught.value.code


class TestChallenge:
    def test_code_approves_exactly_what_was_shown(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        challenge_approve(challenge_id=cid, user_id=user.pk, otp_token=totp_code(device), details=PAY_A_100, now=now)
        challenge = Challenge.objects.get(pk=cid)
        assert (challenge.status, challenge.approved_at) == ("approved", now)
        assert AuditEvent.objects.filter(kind="sca_approved", user=user).exists()

    @pytest.mark.parametrize(
        "tampered",
        [
            {**PAY_A_100, "amount_minor": 10100},  # €101
            {**PAY_A_100, "payee": "FR1420041010050500013M02606"},  # payee B
            {**PAY_A_100, "currency": "USD"},
            {**PAY_A_100, "extra": "field"},
            {k: v for k, v in PAY_A_100.items() if k != "payee"},
        ],
    )
    def test_other_details_are_refused_and_kill_the_challenge(
        self, user: User, device: TOTPDevice, now: datetime, tampered: dict[str, Any]
    ) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        code = totp_code(device)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=code, details=tampered, now=now) == (
            "challenge_mismatch"
        )
        # The original details cannot be approved either any more: the challenge is dead.
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=code, details=PAY_A_100, now=now) == (
            "challenge_invalidated"
        )

    def test_key_order_does_not_matter(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        reordered = dict(reversed(list(PAY_A_100.items())))
        challenge_approve(challenge_id=cid, user_id=user.pk, otp_token=totp_code(device), details=reordered, now=now)

    def test_the_same_details_under_another_action_are_another_challenge(
        self, user: User, device: TOTPDevice, now: datetime
    ) -> None:
        a = Challenge.objects.get(pk=challenge_create(user_id=user.pk, action="payment", details={}, now=now))
        b = Challenge.objects.get(pk=challenge_create(user_id=user.pk, action="beneficiary_add", details={}, now=now))
        assert a.details_hash != b.details_hash

    def test_single_use(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        challenge_approve(challenge_id=cid, user_id=user.pk, otp_token=totp_code(device), details=PAY_A_100, now=now)
        again = totp_code(device, steps_ahead=1)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=again, details=PAY_A_100, now=now) == (
            "challenge_used"
        )

    def test_expires_after_five_minutes(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        just_in_time = now + timedelta(minutes=5) - timedelta(seconds=1)
        too_late = now + timedelta(minutes=5)
        code = totp_code(device)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=code, details=PAY_A_100, now=too_late) == (
            "challenge_expired"
        )
        challenge_approve(challenge_id=cid, user_id=user.pk, otp_token=code, details=PAY_A_100, now=just_in_time)

    def test_wrong_code_is_counted_and_five_kill_it(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        for _ in range(5):
            device.refresh_from_db()
            device.throttle_reset()
            assert refused(challenge_id=cid, user_id=user.pk, otp_token="000000", details=PAY_A_100, now=now) in {
                "invalid_otp"
            }
        assert Challenge.objects.get(pk=cid).status == "invalidated"
        device.refresh_from_db()
        device.throttle_reset()
        good = totp_code(device)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=good, details=PAY_A_100, now=now) == (
            "challenge_invalidated"
        )

    def test_another_users_challenge_does_not_exist_for_them(
        self, user: User, device: TOTPDevice, now: datetime
    ) -> None:
        mallory = User.objects.create_user(email="m@example.com", password="x")
        mallory_device = TOTPDevice.objects.create(user=mallory, name="app", confirmed=True)
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        code = totp_code(mallory_device)
        assert refused(challenge_id=cid, user_id=mallory.pk, otp_token=code, details=PAY_A_100, now=now) == (
            "challenge_not_found"
        )

    def test_another_users_code_does_not_approve(self, user: User, device: TOTPDevice, now: datetime) -> None:
        mallory = User.objects.create_user(email="m@example.com", password="x")
        mallory_device = TOTPDevice.objects.create(user=mallory, name="app", confirmed=True)
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        code = totp_code(mallory_device)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=code, details=PAY_A_100, now=now) == "invalid_otp"

    def test_backup_code_works_once(self, user: User, now: datetime) -> None:
        static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
        StaticToken.objects.create(device=static, token="abcd1234")
        challenge_confirm(user_id=user.pk, action="device_remove", details={"d": 1}, otp_token="abcd1234", now=now)
        with pytest.raises(ChallengeRefused) as again:
            challenge_confirm(user_id=user.pk, action="device_remove", details={"d": 1}, otp_token="abcd1234", now=now)
        assert again.value.code == "invalid_otp"

    def test_no_device_no_challenge(self, user: User, now: datetime) -> None:
        with pytest.raises(ChallengeRefused) as caught:
            challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        assert caught.value.code == "enrolment_required"
        assert not Challenge.objects.exists()

    def test_details_must_be_json(self, user: User, device: TOTPDevice, now: datetime) -> None:
        with pytest.raises(ChallengeRefused) as caught:
            challenge_create(user_id=user.pk, action="payment", details={"x": object()}, now=now)
        assert caught.value.code == "invalid_details"


class TestFailedCodesAreDurable:
    def test_a_check_refuses_to_run_inside_the_callers_transaction(
        self, user: User, device: TOTPDevice, now: datetime
    ) -> None:
        # Inside a caller's transaction a rollback would erase the failed attempt: the check
        # runs only in its own, committed one.
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        with pytest.raises(RuntimeError), transaction.atomic():
            challenge_approve(challenge_id=cid, user_id=user.pk, otp_token="000000", details=PAY_A_100, now=now)
        assert Challenge.objects.get(pk=cid).failed_attempts == 0

    def test_wrong_codes_count_per_user_across_challenges(self, user: User, device: TOTPDevice, now: datetime) -> None:
        # A fresh challenge per guess must not reset the count.
        for _ in range(MAX_FAILED_ATTEMPTS):
            cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
            device.refresh_from_db()
            device.throttle_reset()
            assert refused(challenge_id=cid, user_id=user.pk, otp_token="000000", details=PAY_A_100, now=now) == (
                "invalid_otp"
            )
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        device.refresh_from_db()
        device.throttle_reset()
        good = totp_code(device)
        assert refused(challenge_id=cid, user_id=user.pk, otp_token=good, details=PAY_A_100, now=now) == (
            "too_many_attempts"
        )
        # The refusal spent no code: the right one still works once the window has passed.
        later = now + FAILED_ATTEMPTS_WINDOW
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=later)
        challenge_approve(challenge_id=cid, user_id=user.pk, otp_token=good, details=PAY_A_100, now=later)

    def test_a_success_starts_the_count_again(self, user: User, device: TOTPDevice, now: datetime) -> None:
        for _ in range(MAX_FAILED_ATTEMPTS - 1):
            cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
            device.refresh_from_db()
            device.throttle_reset()
            refused(challenge_id=cid, user_id=user.pk, otp_token="000000", details=PAY_A_100, now=now)
        device.refresh_from_db()
        device.throttle_reset()
        challenge_confirm(user_id=user.pk, action="payment", details=PAY_A_100, otp_token=totp_code(device), now=now)
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        device.refresh_from_db()
        device.throttle_reset()
        assert refused(challenge_id=cid, user_id=user.pk, otp_token="000000", details=PAY_A_100, now=now) == (
            "invalid_otp"
        )


class TestConsume:
    """An approval is used by the action it approves, in the action's own transaction, once."""

    def approved(self, user: User, device: TOTPDevice, now: datetime) -> int:
        return challenge_confirm(
            user_id=user.pk, action="payment", details=PAY_A_100, otp_token=totp_code(device), now=now
        )

    def test_one_approval_executes_one_action(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = self.approved(user, device, now)
        digest = details_hash(action="payment", details=PAY_A_100)
        with transaction.atomic():
            challenge_consume(challenge_id=cid, user_id=user.pk, payload_hash=digest, now=now)
        with pytest.raises(ChallengeRefused) as again:
            challenge_consume(challenge_id=cid, user_id=user.pk, payload_hash=digest, now=now)
        assert again.value.code == "challenge_used"
        assert Challenge.objects.get(pk=cid).status == "used"

    def test_a_rolled_back_action_leaves_the_approval_usable(
        self, user: User, device: TOTPDevice, now: datetime
    ) -> None:
        cid = self.approved(user, device, now)
        digest = details_hash(action="payment", details=PAY_A_100)

        def action_that_fails() -> None:
            with transaction.atomic():
                challenge_consume(challenge_id=cid, user_id=user.pk, payload_hash=digest, now=now)
                raise DomainError("the action fails after using the approval")

        with pytest.raises(DomainError):
            action_that_fails()
        assert Challenge.objects.get(pk=cid).status == "approved"
        challenge_consume(challenge_id=cid, user_id=user.pk, payload_hash=digest, now=now)

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"payload_hash": "0" * 64}, "challenge_mismatch"),
            ({"user": "other"}, "challenge_not_found"),
            ({"later": True}, "challenge_expired"),
        ],
    )
    def test_refusals(self, user: User, device: TOTPDevice, now: datetime, change: dict[str, Any], code: str) -> None:
        cid = self.approved(user, device, now)
        user_id = User.objects.create_user(email="o@example.com", password="x").pk if "user" in change else user.pk
        when = now + timedelta(minutes=5) if "later" in change else now
        digest = change.get("payload_hash") or details_hash(action="payment", details=PAY_A_100)
        with pytest.raises(ChallengeRefused) as caught:
            challenge_consume(challenge_id=cid, user_id=user_id, payload_hash=digest, now=when)
        assert caught.value.code == code
        assert Challenge.objects.get(pk=cid).status == "approved"

    def test_a_pending_challenge_cannot_be_used(self, user: User, device: TOTPDevice, now: datetime) -> None:
        cid = challenge_create(user_id=user.pk, action="payment", details=PAY_A_100, now=now)
        with pytest.raises(ChallengeRefused) as caught:
            challenge_consume(
                challenge_id=cid,
                user_id=user.pk,
                payload_hash=details_hash(action="payment", details=PAY_A_100),
                now=now,
            )
        assert caught.value.code == "challenge_not_approved"
