"""The whole customer journey through the real views: sign up, verify, enrol, log out, log in with OTP."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.users.models import AuditEvent, User
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db

EMAIL = "carol@example.com"
PASSWORD = "correct-Horse-battery-9"


def test_sign_up_verify_enrol_logout_login_with_otp(client: Client) -> None:
    signed_up = client.post("/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    assert signed_up.status_code == 302
    assert User.objects.filter(email=EMAIL).exists()

    # The e-mail link confirms the address (GET shows the page, POST confirms).
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    assert client.get(link.group(1)).status_code == 200
    assert client.post(link.group(1)).status_code == 302

    # No device yet: password alone logs in.
    logged_in = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert logged_in.status_code == 302
    assert logged_in["Location"] == "/app/"
    assert client.get("/app/").status_code == 200

    assert client.get("/app/security/totp/").status_code == 200  # a page to start from; nothing made on GET
    assert not TOTPDevice.objects.filter(user__email=EMAIL).exists()
    enrol_page = client.post("/app/security/totp/", {"begin": ""}, follow=True)
    assert enrol_page.status_code == 200
    assert b"data:image/svg+xml;base64," in enrol_page.content  # QR drawn on the server
    device = TOTPDevice.objects.get(user__email=EMAIL, confirmed=False)
    enrolled = client.post("/app/security/totp/", {"token": totp_code(device)})
    assert enrolled.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.post("/accounts/logout/")
    assert client.get("/app/").status_code == 302

    # The password alone is no longer enough: no session until the code is given.
    step_one = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert step_one["Location"] == "/accounts/2fa/verify/"
    assert client.get("/app/")["Location"].startswith("/accounts/login/")

    wrong = client.post("/accounts/2fa/verify/", {"token": "000000"})
    assert wrong.status_code == 200
    assert b"That code is not right" in wrong.content

    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a failure; a real user just waits a second
    step_two = client.post("/accounts/2fa/verify/", {"token": totp_code(device, steps_ahead=1)})
    assert step_two.status_code == 302
    assert step_two["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    assert client.get("/app/security/").status_code == 200

    kinds = set(AuditEvent.objects.filter(user__email=EMAIL).values_list("kind", flat=True))
    assert {"login", "logout", "device_added", "otp_verified", "otp_failed"} <= kinds


def test_weak_password_is_refused_at_sign_up(client: Client) -> None:
    response = client.post("/accounts/signup/", {"email": EMAIL, "password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert not User.objects.filter(email=EMAIL).exists()


def test_unverified_address_cannot_log_in(client: Client) -> None:
    client.post("/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    response = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    assert client.get("/app/").status_code == 302
