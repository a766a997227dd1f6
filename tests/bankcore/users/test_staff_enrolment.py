"""Staff second factor is provisioned, never trusted on first use; backup codes verify nothing; secrets stay hidden."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import AuditEvent, EnrolmentToken, User
from bankcore.users.services import ENROLMENT_TOKEN_TTL, SecondFactorRefused, enrolment_token_issue
from tests.bankcore.users.factories import StaffFactory, TOTPDeviceFactory, UserFactory
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    admin = StaffFactory(role=roles.ADMINISTRATOR)
    TOTPDeviceFactory(user=admin)
    return admin


@pytest.fixture
def newcomer() -> User:
    return StaffFactory(role=roles.PAYMENTS_OPERATOR)


def enrol(client: Client, user: User, **fields: str) -> TOTPDevice:
    client.force_login(user)
    client.post("/app/security/totp/", {"begin": ""})
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post("/app/security/totp/", {"token": totp_code(device), **fields})
    device.refresh_from_db()
    return device


class TestStaffEnrolment:
    def test_the_password_alone_cannot_enrol_a_staff_device(self, client: Client, newcomer: User) -> None:
        device = enrol(client, newcomer)
        assert not device.confirmed
        assert client.get("/admin/", follow=True).redirect_chain[-1][0] == "/app/security/"

    def test_a_token_from_another_administrator_enrols_once(
        self, client: Client, admin_user: User, newcomer: User
    ) -> None:
        token = enrolment_token_issue(user_id=newcomer.pk, issued_by_id=admin_user.pk, now=timezone.now())
        device = enrol(client, newcomer, enrolment_token=token)
        assert device.confirmed
        assert client.get("/admin/").status_code == 200
        event = AuditEvent.objects.get(kind="device_added", user=newcomer)
        assert event.details["enrolment_token"] == EnrolmentToken.objects.get(user=newcomer).pk
        # Used: a second device cannot be made with it.
        device.delete()
        client.logout()
        assert not enrol(Client(), newcomer, enrolment_token=token).confirmed

    def test_the_token_is_stored_hashed(self, admin_user: User, newcomer: User) -> None:
        token = enrolment_token_issue(user_id=newcomer.pk, issued_by_id=admin_user.pk, now=timezone.now())
        stored = EnrolmentToken.objects.get(user=newcomer)
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(list(EnrolmentToken.objects.values()))
        assert AuditEvent.objects.filter(kind="enrolment_token_issued", user=admin_user).exists()

    def test_an_expired_token_is_refused(self, client: Client, admin_user: User, newcomer: User) -> None:
        issued = timezone.now() - ENROLMENT_TOKEN_TTL - timedelta(seconds=1)
        token = enrolment_token_issue(user_id=newcomer.pk, issued_by_id=admin_user.pk, now=issued)
        assert not enrol(client, newcomer, enrolment_token=token).confirmed

    def test_another_staff_members_token_is_refused(self, client: Client, admin_user: User, newcomer: User) -> None:
        other = StaffFactory(role=roles.SUPPORT_AGENT)
        token = enrolment_token_issue(user_id=other.pk, issued_by_id=admin_user.pk, now=timezone.now())
        assert not enrol(client, newcomer, enrolment_token=token).confirmed

    def test_a_new_token_replaces_the_old(self, client: Client, admin_user: User, newcomer: User) -> None:
        first = enrolment_token_issue(user_id=newcomer.pk, issued_by_id=admin_user.pk, now=timezone.now())
        enrolment_token_issue(user_id=newcomer.pk, issued_by_id=admin_user.pk, now=timezone.now())
        assert not enrol(client, newcomer, enrolment_token=first).confirmed

    def test_nobody_issues_their_own_token(self, admin_user: User, now: datetime) -> None:
        with pytest.raises(SecondFactorRefused) as refused:
            enrolment_token_issue(user_id=admin_user.pk, issued_by_id=admin_user.pk, now=now)
        assert refused.value.code == "own_enrolment"

    def test_only_an_administrator_issues_tokens(self, newcomer: User, now: datetime) -> None:
        operator = StaffFactory(role=roles.PAYMENTS_OPERATOR)
        with pytest.raises(SecondFactorRefused) as refused:
            enrolment_token_issue(user_id=newcomer.pk, issued_by_id=operator.pk, now=now)
        assert refused.value.code == "not_authorised"
        assert not EnrolmentToken.objects.exists()

    def test_customers_need_no_token(self, client: Client) -> None:
        assert enrol(client, UserFactory()).confirmed


class TestAdminIssuesTokens:
    def action(self, client: Client, target: User) -> str:
        response = client.post(
            reverse("admin:users_user_changelist"),
            {"action": "issue_enrolment_token", "_selected_action": [target.pk]},
        )
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        return response.content.decode()

    def test_the_token_is_shown_once_and_works(self, client: Client, admin_user: User, newcomer: User) -> None:
        login_verified(client, admin_user)
        page = self.action(client, newcomer)
        token = re.search(r'<code class="secret">([^<]+)</code>', page)
        assert token is not None
        assert enrol(Client(), newcomer, enrolment_token=token.group(1)).confirmed

    def test_a_role_without_the_permission_has_no_such_action(self, client: Client, newcomer: User) -> None:
        support = StaffFactory(role=roles.SUPPORT_AGENT)
        login_verified(client, support)
        client.post(
            reverse("admin:users_user_changelist"),
            {"action": "issue_enrolment_token", "_selected_action": [newcomer.pk]},
        )
        assert not EnrolmentToken.objects.exists()


class TestBootstrapCommand:
    def test_prints_a_working_token_once(
        self, client: Client, newcomer: User, capsys: pytest.CaptureFixture[str]
    ) -> None:
        call_command("staff_enrolment_token", newcomer.email.upper())
        token = capsys.readouterr().out.strip().splitlines()[-1]
        assert enrol(client, newcomer, enrolment_token=token).confirmed
        assert AuditEvent.objects.filter(kind="enrolment_token_issued", details__issued_by="command").exists()

    @pytest.mark.parametrize("email", ["nobody@bank.test", "customer"])
    def test_unknown_or_customer_is_one_line_error(self, email: str) -> None:
        UserFactory(email="customer@example.com")
        with pytest.raises(CommandError) as error:
            call_command("staff_enrolment_token", "customer@example.com" if email == "customer" else email)
        assert "\n" not in str(error.value)
        assert not EnrolmentToken.objects.exists()


class TestBackupCodes:
    def test_no_device_no_backup_codes_and_no_verified_session(self, client: Client) -> None:
        for user in (StaffFactory(role=roles.ADMINISTRATOR), UserFactory()):
            client.force_login(user)
            response = client.post("/app/security/backup-codes/", follow=True)
            assert not StaticDevice.objects.filter(user=user).exists()
            assert DEVICE_ID_SESSION_KEY not in client.session
            assert b"Set up an authenticator app first" in response.content
        assert client.get("/admin/", follow=True).redirect_chain[-1][0] != "/admin/"

    def test_a_current_code_is_needed(self, client: Client) -> None:
        user = UserFactory()
        login_verified(client, user)
        client.post("/app/security/backup-codes/", {"current_token": ""})
        assert not StaticToken.objects.filter(device__user=user).exists()
        device = TOTPDevice.objects.get(user=user)
        page = client.post("/app/security/backup-codes/", {"current_token": totp_code(device)})
        assert len(re.findall(r"<code>([a-z0-9]+)</code>", page.content.decode())) == 10


class TestSecretsStayHidden:
    @pytest.mark.parametrize("role", [roles.ADMINISTRATOR, roles.AUDITOR])
    def test_no_role_reads_a_totp_key_or_backup_code(self, client: Client, role: str) -> None:
        victim = UserFactory()
        totp = TOTPDeviceFactory(user=victim)
        static = StaticDevice.objects.create(user=victim, name="Backup codes", confirmed=True)
        StaticToken.objects.create(device=static, token="sekrit77")
        viewer = StaffFactory(role=role)
        login_verified(client, viewer)
        pages = [
            reverse("admin:otp_totp_totpdevice_changelist"),
            reverse("admin:otp_totp_totpdevice_change", args=[totp.pk]),
            reverse("admin:otp_static_staticdevice_changelist"),
            reverse("admin:otp_static_staticdevice_change", args=[static.pk]),
        ]
        for url in pages:
            body = client.get(url).content.decode()
            assert totp.key not in body, url
            assert "sekrit77" not in body, url
        for leak in ("config", "qrcode"):
            assert client.get(f"/admin/otp_totp/totpdevice/{totp.pk}/{leak}/").status_code in (302, 403, 404)

    def test_nobody_types_a_key_in(self, client: Client, admin_user: User) -> None:
        login_verified(client, admin_user)
        assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
        assert client.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
