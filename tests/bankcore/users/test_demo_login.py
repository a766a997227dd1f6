"""A person trying the demo can reach the back office with what seed_demo prints."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_demo_admin_logs_in_with_the_printed_code_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    assert "demo_otp_code" in capsys.readouterr().out
    call_command("demo_otp_code", "admin@bankcore.localhost")
    code = capsys.readouterr().out.strip()
    client = Client()
    step_one = client.post(
        "/accounts/login/", {"login": "admin@bankcore.localhost", "password": "demo-Passw0rd!", "next": "/admin/"}
    )
    assert step_one["Location"] == "/accounts/2fa/verify/"
    assert client.post("/accounts/2fa/verify/", {"token": code})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_code_command_refuses_real_addresses() -> None:
    with pytest.raises(CommandError):
        call_command("demo_otp_code", "someone@example.com")
