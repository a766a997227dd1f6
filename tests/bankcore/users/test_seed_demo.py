import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from bankcore.users.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    first = capsys.readouterr().out
    count = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == count
    assert "alice@bankcore.localhost" in first
    assert "admin@bankcore.localhost" in first
    assert User.objects.get(email="alice@bankcore.localhost").check_password("demo-Passw0rd!")


def test_email_is_the_login_and_is_case_insensitive_on_create() -> None:
    user = User.objects.create_user(email="Carol@Example.COM", password="pw-long-enough-1")
    assert user.email == "carol@example.com"
    assert User.USERNAME_FIELD == "email"


@pytest.mark.parametrize("command", [("seed_demo",), ("demo_otp_code", "admin@bankcore.localhost")])
@override_settings(DEMO_DATA_ALLOWED=False)
def test_production_refuses_the_demo_commands(command: tuple[str, ...]) -> None:
    # The demo administrator's password is public and its TOTP key is derived from its address:
    # in production these would be a back-office login anyone can compute.
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command(*command)
    assert not User.objects.exists()
