"""The portal shell: private pages, the security page's actions, headers without unsafe-inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.testing.access import assert_login_required, login_verified
from bankcore.users.models import AuditEvent, User, UserSession
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db

PAGES = ["/app/", "/app/profile/", "/app/security/", "/app/security/totp/"]
PASSWORD = "correct-Horse-battery-9"
TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


@pytest.fixture
def erin() -> User:
    user = User.objects.create_user(email="erin@example.com", password=PASSWORD, full_name="Erin Example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_every_page_needs_login(client: Client) -> None:
    assert_login_required(client, PAGES)


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_strict_headers(client: Client, erin: User, url: str) -> None:
    client.force_login(erin)
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text, path
        assert "style=" not in text, path
        assert " on" + "click=" not in text, path


def test_sign_out_everywhere_ends_every_session(erin: User) -> None:
    phone, laptop = Client(), Client()
    for browser in (phone, laptop):
        browser.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
        assert browser.get("/app/").status_code == 200
    assert UserSession.objects.filter(user=erin).count() == 2
    security = laptop.get("/app/security/")
    assert security.content.count(b"127.0.0.1") >= 2
    response = laptop.post("/app/security/sign-out-everywhere/")
    assert response["Location"] == "/accounts/login/"
    assert phone.get("/app/").status_code == 302
    assert laptop.get("/app/").status_code == 302
    assert AuditEvent.objects.filter(kind="sessions_revoked", user=erin).exists()


def test_removing_a_device_needs_a_current_code(client: Client, erin: User) -> None:
    login_verified(client, erin)
    device = TOTPDevice.objects.get(user=erin)
    client.post("/app/security/devices/remove/", {"device": device.persistent_id, "current_token": "000000"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    device.refresh_from_db()
    device.throttle_reset()
    client.post("/app/security/devices/remove/", {"device": device.persistent_id, "current_token": totp_code(device)})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(kind="device_removed", user=erin).exists()


def test_another_users_device_cannot_be_removed(client: Client, erin: User) -> None:
    frank = User.objects.create_user(email="frank@example.com", password=PASSWORD)
    franks = StaticDevice.objects.create(user=frank, name="codes", confirmed=True)
    login_verified(client, erin)
    own = TOTPDevice.objects.get(user=erin)
    client.post("/app/security/devices/remove/", {"device": franks.persistent_id, "current_token": totp_code(own)})
    assert StaticDevice.objects.filter(pk=franks.pk).exists()


def test_backup_codes_are_shown_once_and_log_in(client: Client, erin: User) -> None:
    login_verified(client, erin)
    device = TOTPDevice.objects.get(user=erin)
    page = client.post("/app/security/backup-codes/", {"current_token": totp_code(device)})
    assert "no-store" in page["Cache-Control"]
    codes = re.findall(r"<code>([a-z0-9]+)</code>", page.content.decode())
    assert len(codes) == 10
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
    assert client.post("/accounts/2fa/verify/", {"token": codes[0]})["Location"] == "/app/"
    assert StaticDevice.objects.get(user=erin).token_set.count() == 9


def test_changing_email_needs_the_second_factor(client: Client, erin: User) -> None:
    device = TOTPDevice.objects.create(user=erin, name="app", confirmed=True)
    client.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
    client.post("/accounts/2fa/verify/", {"token": totp_code(device)})
    # Sensitive account changes also ask for the password again (allauth's re-authentication).
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    refused = client.post("/accounts/email/", {"email": "new@example.com", "action_add": "", "otp_token": "000000"})
    assert refused.status_code == 200, refused.get("Location")
    assert not EmailAddress.objects.filter(email="new@example.com").exists()
    device.refresh_from_db()
    device.throttle_reset()
    accepted = client.post(
        "/accounts/email/",
        {"email": "new@example.com", "action_add": "", "otp_token": totp_code(device, steps_ahead=1)},
    )
    assert accepted.status_code == 302, accepted["Location"]
    assert EmailAddress.objects.filter(email="new@example.com", verified=False).exists()
    assert User.objects.get(pk=erin.pk).email == "erin@example.com"  # changes only once verified


def test_profile_saves_the_name(client: Client, erin: User) -> None:
    client.force_login(erin)
    client.post("/app/profile/", {"full_name": "Erin Q. Example"})
    assert User.objects.get(pk=erin.pk).full_name == "Erin Q. Example"


@pytest.mark.parametrize(
    "device_id", ["", "garbage", "users.user/1", "auth.group/1", "otp_totp.totpdevice/99999999999999999999", "a.b.c/1"]
)
def test_a_malformed_device_id_is_a_form_error(client: Client, erin: User, device_id: str) -> None:
    login_verified(client, erin)
    own = TOTPDevice.objects.get(user=erin)
    response = client.post(
        "/app/security/devices/remove/", {"device": device_id, "current_token": totp_code(own)}, follow=True
    )
    assert response.status_code == 200
    assert b"No such device" in response.content
    assert TOTPDevice.objects.filter(pk=own.pk).exists()


def test_each_code_field_says_what_it_is_for(client: Client, erin: User) -> None:
    login_verified(client, erin)
    page = client.get("/app/security/").content.decode()
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", page)
    assert "Current code" not in labels
    assert any("remove" in label.lower() for label in labels)
    assert any("backup codes" in label.lower() for label in labels)
    assert len(labels) == len(set(labels))


def test_a_refused_code_at_sign_in_is_not_called_a_failed_login(client: Client, erin: User) -> None:
    device = TOTPDevice.objects.create(user=erin, name="app", confirmed=True)
    code = totp_code(device)
    client.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
    client.post("/accounts/2fa/verify/", {"token": code})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
    assert client.post("/accounts/2fa/verify/", {"token": code}).status_code == 200  # spent: refused
    device.refresh_from_db()
    device.throttle_reset()
    client.post("/accounts/2fa/verify/", {"token": totp_code(device, steps_ahead=1)})
    history = client.get("/app/security/").content.decode()
    assert "Failed login" not in history
    assert "Sign-in code refused" in history


# The session row is saved on every request (the sliding idle timeout): the framework's, not a page's write.
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b(?!.*\bdjango_session\b)", re.IGNORECASE)


@pytest.mark.parametrize("url", [*PAGES, "/accounts/email/"])
def test_a_get_writes_nothing(client: Client, erin: User, url: str) -> None:
    if url == "/app/security/totp/":
        client.force_login(erin)  # still to enrol: the page that starts it
    else:
        login_verified(client, erin)
    UserSession.objects.create(user=erin, session_key="long-gone", created_at=erin.date_joined)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])]
    assert writes == []


def test_the_code_step_and_the_back_office_write_nothing_on_get(client: Client, erin: User) -> None:
    TOTPDevice.objects.create(user=erin, name="app", confirmed=True)
    client.post("/accounts/login/", {"login": erin.email, "password": PASSWORD})
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/2fa/verify/").status_code == 200
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    staff = User.objects.create_user(email="ops@bank.test", password=PASSWORD, is_staff=True, is_superuser=True)
    login_verified(client, staff)
    for url in (
        "/admin/",
        "/admin/users/user/",
        f"/admin/users/user/{erin.pk}/change/",
        "/admin/approvals/approvalrequest/",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == [], url
