"""The back office: no second factor, no entry; each role sees exactly its models."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User

pytestmark = pytest.mark.django_db

Visible = Callable[[str, str], bool]

# The table the auditor reads: which role may look at which app's models in the back office.
USER_MODEL = ("users", "user")
APPROVALS = ("approvals", "approvalrequest")
SECRETS = {"otp_totp", "otp_static"}
EXPECTED: dict[str, Visible] = {
    roles.SUPPORT_AGENT: lambda app, model: (app, model) == USER_MODEL or app in {"accounts", "wallets", "payments"},
    roles.KYC_OFFICER: lambda app, model: (app, model) in {USER_MODEL, APPROVALS} or app == "kyc",
    # Fraud analysts see accounts too: they block debits or whole accounts (accounts.block_account).
    roles.FRAUD_ANALYST: lambda app, model: (app, model) in {USER_MODEL, APPROVALS} or app in {"fraud", "accounts"},
    roles.PAYMENTS_OPERATOR: lambda app, model: (app, model) in {USER_MODEL, APPROVALS} or app == "payments",
    roles.PARTNER_MANAGER: lambda app, model: (app, model) == USER_MODEL or app == "api",
    roles.AUDITOR: lambda app, model: app not in SECRETS,
    roles.ADMINISTRATOR: lambda app, model: True,
}
REGISTERED = sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry)


def changelist(app: str, model: str) -> str:
    return reverse(f"admin:{app}_{model}_changelist")


def staff(role: str) -> User:
    user = User.objects.create_user(email=f"{role.replace(' ', '-').lower()}@bank.test", password="x", is_staff=True)
    roles.user_roles_set(user_id=user.pk, roles=[role])
    return user


@pytest.fixture(autouse=True)
def groups() -> None:
    roles.roles_sync()


@pytest.mark.parametrize("role", list(roles.ROLES))
def test_each_role_sees_exactly_its_models(client: Client, role: str) -> None:
    login_verified(client, staff(role))
    seen = {}
    for app, model in REGISTERED:
        status = client.get(changelist(app, model)).status_code
        assert status in (200, 403), f"{role} {app}.{model}: {status}"
        seen[(app, model)] = status == 200
    expected = {key: EXPECTED[role](*key) for key in REGISTERED}
    assert seen == expected


def test_auditor_reads_history_and_changes_nothing(client: Client) -> None:
    target = User.objects.create_user(email="someone@bank.test", password="x")
    login_verified(client, staff(roles.AUDITOR))
    assert client.get(reverse("admin:users_user_history", args=[target.pk])).status_code == 200
    assert client.get(reverse("admin:users_auditevent_changelist")).status_code == 200
    response = client.post(reverse("admin:users_user_change", args=[target.pk]), {"email": "x@bank.test"})
    assert response.status_code == 403
    assert User.objects.get(pk=target.pk).email == "someone@bank.test"


@pytest.mark.parametrize(("app", "model"), REGISTERED)
def test_staff_without_a_device_reaches_no_admin_page(client: Client, app: str, model: str) -> None:
    client.force_login(staff(roles.ADMINISTRATOR))
    response = client.get(changelist(app, model), follow=True)
    assert response.redirect_chain, "no redirect"
    assert response.redirect_chain[-1][0] == reverse("portal:security")


def test_staff_without_a_device_is_sent_to_enrol(client: Client) -> None:
    client.force_login(staff(roles.ADMINISTRATOR))
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/app/security/"
    assert b"Set up two-factor authentication before using the back office: ask an administrator" in response.content


def test_a_customer_with_a_device_cannot_enter(client: Client) -> None:
    login_verified(client, User.objects.create_user(email="c@bank.test", password="x"))
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/app/"


def test_anonymous_goes_to_the_one_login_page(client: Client) -> None:
    response = client.get("/admin/users/user/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


def test_setup_roles_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("setup_roles")
    first = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    call_command("setup_roles")
    again = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert first == again
    assert set(first) >= set(roles.ROLES)
    assert "decide_approvalrequest" in first[roles.PAYMENTS_OPERATOR]
    assert "decide_approvalrequest" not in first[roles.AUDITOR]
    assert all(code.startswith("view_") for code in first[roles.AUDITOR])
    assert "Auditor:" in capsys.readouterr().out


def test_a_hand_added_permission_is_taken_away_again() -> None:
    group = Group.objects.get(name=roles.SUPPORT_AGENT)
    group.permissions.add(*roles_permissions_of(roles.ADMINISTRATOR))
    roles.roles_sync()
    assert not group.permissions.filter(codename="delete_user").exists()


def roles_permissions_of(role: str) -> list[object]:
    return list(Group.objects.get(name=role).permissions.all())
