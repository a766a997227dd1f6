"""Password and e-mail changes reach the security audit log the auditor reads."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from bankcore.users.models import AuditEvent, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"
NEW_PASSWORD = "another-Staple-battery-7"


@pytest.fixture
def gail() -> User:
    user = User.objects.create_user(email="gail@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_password_change_is_audited(client: Client, gail: User) -> None:
    client.post("/accounts/login/", {"login": gail.email, "password": PASSWORD})
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind="password_changed", user=gail)
    assert event.details == {"how": "changed"}
    assert event.ip_address == "127.0.0.1"


def test_a_password_reset_is_audited(client: Client, gail: User) -> None:
    client.post("/accounts/password/reset/", {"email": gail.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    form_url = client.get(link.group(1))["Location"]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert AuditEvent.objects.get(kind="password_changed", user=gail).details == {"how": "reset"}


def test_a_confirmed_email_change_is_audited(client: Client, gail: User) -> None:
    client.post("/accounts/login/", {"login": gail.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.post("/accounts/email/", {"email": "gail.new@example.com", "action_add": ""}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    assert client.post(link.group(1)).status_code == 302
    assert User.objects.get(pk=gail.pk).email == "gail.new@example.com"
    event = AuditEvent.objects.get(kind="email_changed", user=gail)
    assert event.details == {"from": "gail@example.com", "to": "gail.new@example.com"}
