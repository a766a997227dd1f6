"""Wrong passwords and codes, lockout and cool-off, open redirects, CSRF-less posts: refused, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.users.models import AuditEvent, User
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"
LIMIT = settings.AXES_FAILURE_LIMIT


def customer(email: str = "dana@example.com") -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def login(client: Client, email: str, password: str, **extra: str) -> object:
    return client.post("/accounts/login/", {"login": email, "password": password, **extra})


def cool_off_passes() -> None:
    """Time passes for axes: its attempts move back beyond the cool-off window (no sleeping)."""
    past = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - past)


class TestLockout:
    def test_wrong_password_is_refused_with_a_message(self, client: Client) -> None:
        customer()
        response = login(client, "dana@example.com", "wrong-password-1")
        assert response.status_code == 200
        assert b"not correct" in response.content
        assert AuditEvent.objects.filter(kind="login_failed", email="dana@example.com").exists()

    def test_locked_after_the_limit_even_with_the_right_password_then_unlocked_after_cool_off(
        self, client: Client
    ) -> None:
        customer()
        for _ in range(LIMIT):
            login(client, "dana@example.com", "wrong-password-1")
        locked = login(client, "dana@example.com", PASSWORD)
        assert locked.status_code == 429
        assert b"Too many failed attempts" in locked.content
        assert client.get("/app/").status_code == 302
        assert AuditEvent.objects.filter(kind="locked_out", email="dana@example.com").exists()

        cool_off_passes()
        unlocked = login(client, "dana@example.com", PASSWORD)
        assert unlocked.status_code == 302
        assert unlocked["Location"] == "/app/"

    def test_one_short_of_the_limit_still_logs_in(self, client: Client) -> None:
        customer()
        for _ in range(LIMIT - 1):
            login(client, "Dana@Example.com", "wrong-password-1")  # case does not dodge the counter
        assert login(client, "dana@example.com", PASSWORD).status_code == 302

    def test_per_ip_lockout_across_accounts(self, client: Client) -> None:
        customer()
        for n in range(LIMIT):
            login(client, f"nobody{n}@example.com", "wrong-password-1")
        assert login(client, "dana@example.com", PASSWORD).status_code == 429
        other_ip = Client(REMOTE_ADDR="10.9.8.7")
        assert login(other_ip, "dana@example.com", PASSWORD).status_code == 302

    def test_wrong_codes_count_towards_the_lockout(self, client: Client) -> None:
        user = customer()
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        for _ in range(LIMIT):
            assert login(client, "dana@example.com", PASSWORD)["Location"] == "/accounts/2fa/verify/"
            device.refresh_from_db()
            device.throttle_reset()
            response = client.post("/accounts/2fa/verify/", {"token": "000000"})
            if response.status_code == 429:
                break
        assert response.status_code == 429
        # Locked: not even the password step works now, and no session exists.
        assert login(client, "dana@example.com", PASSWORD).status_code == 429
        assert client.get("/app/").status_code == 302
        assert AuditEvent.objects.filter(kind="otp_failed", details__stage="otp").count() >= 1

    def test_a_code_step_begun_before_the_lockout_cannot_finish_after_it(self, client: Client) -> None:
        # Someone with the password opens the code step, then the account is locked (from elsewhere):
        # the waiting step must not go on taking codes, or each one opened beforehand is a free guess.
        user = customer()
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        assert login(client, "dana@example.com", PASSWORD)["Location"] == "/accounts/2fa/verify/"
        elsewhere = Client(REMOTE_ADDR="10.1.1.1")
        for _ in range(LIMIT):
            login(elsewhere, "dana@example.com", "wrong-password-1")
        response = client.post("/accounts/2fa/verify/", {"token": totp_code(device)})
        assert response.status_code == 429
        assert client.get("/app/").status_code == 302
        # The lockout stands: the right code did not reset the counter.
        assert login(Client(REMOTE_ADDR="10.2.2.2"), "dana@example.com", PASSWORD).status_code == 429
        # And the step is gone: nothing more can be tried in it.
        assert client.post("/accounts/2fa/verify/", {"token": "123456"})["Location"] == "/accounts/login/"

    def test_a_used_code_cannot_log_in_again(self, client: Client) -> None:
        user = customer()
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        code = totp_code(device)
        login(client, "dana@example.com", PASSWORD)
        assert client.post("/accounts/2fa/verify/", {"token": code})["Location"] == "/app/"
        client.post("/accounts/logout/")
        login(client, "dana@example.com", PASSWORD)
        again = client.post("/accounts/2fa/verify/", {"token": code})
        assert again.status_code == 200
        assert b"That code is not right" in again.content

    @pytest.mark.parametrize("token", ["", "x" * 200, "12 34", "<script>", "١٢٣٤٥٦"])
    def test_garbage_codes_are_refused_not_crashed(self, client: Client, token: str) -> None:
        user = customer()
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        login(client, "dana@example.com", PASSWORD)
        response = client.post("/accounts/2fa/verify/", {"token": token})
        assert response.status_code == 200
        assert client.get("/app/").status_code == 302

    def test_the_code_page_without_a_password_step_goes_back_to_login(self, client: Client) -> None:
        response = client.post("/accounts/2fa/verify/", {"token": "123456"})
        assert response["Location"] == "/accounts/login/"


class TestRedirects:
    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example/", "http:evil.example", "/\\evil.example", "javascript:x"]
    )
    def test_login_never_redirects_off_site(self, client: Client, target: str) -> None:
        customer()
        response = login(client, "dana@example.com", PASSWORD, next=target)
        assert response.status_code == 302
        assert response["Location"] == "/app/"

    def test_login_keeps_a_local_next(self, client: Client) -> None:
        customer()
        response = login(client, "dana@example.com", PASSWORD, next="/app/security/")
        assert response["Location"] == "/app/security/"

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
    def test_admin_login_never_redirects_off_site(self, client: Client, target: str) -> None:
        response = client.get("/admin/login/", {"next": target})
        assert response.status_code == 302
        assert "evil" not in response["Location"].split("next=")[0]
        assert "next=%2Fadmin%2F" in response["Location"]


class TestCsrf:
    def test_login_without_token_is_refused(self) -> None:
        customer()
        client = Client(enforce_csrf_checks=True)
        response = login(client, "dana@example.com", PASSWORD)
        assert response.status_code == 403
        assert client.get("/app/").status_code == 302

    def test_sign_out_everywhere_without_token_is_refused(self) -> None:
        user = customer()
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post("/app/security/sign-out-everywhere/").status_code == 403
        assert client.get("/app/").status_code == 200
