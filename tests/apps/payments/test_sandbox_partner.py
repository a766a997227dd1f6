"""``sandbox_partner``: acme's partner with every scope, a funded account and a fresh secret each run."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from tests.apps.payments.factories import payer


def run() -> dict[str, object]:
    out = StringIO()
    call_command("sandbox_partner", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_fresh_secret_each_run_and_a_funded_account(settings: object) -> None:
    settings.DEMO_DATA_ALLOWED = True  # type: ignore[attr-defined]
    acme = payer(balance="10.00", full_name="Acme Trading GmbH")
    acme.user.email = "acme@bankcore.localhost"
    acme.user.save(update_fields=["email"])
    first, second = run(), run()
    assert set(first) == {"client_id", "client_secret", "scopes", "accounts", "consent_id"}
    assert first["client_id"] == second["client_id"]
    assert first["client_secret"] != second["client_secret"]
    assert first["consent_id"] is None
    assert "payments:write" in first["scopes"]  # type: ignore[operator]
    assert first["accounts"] == [{"id": str(acme.account.pk), "iban": acme.account.iban, "currency": "EUR"}]
    balance = ledger_read.balance(account_id=acme.account.ledger_account_id)
    assert balance == Money.of("1000000.00", "EUR")
    app = Application.objects.get(client_id=first["client_id"])
    assert app.partner_grant.acting_for_id == acme.id  # type: ignore[attr-defined]


def test_refused_where_demo_data_is_off(settings: object) -> None:
    settings.DEMO_DATA_ALLOWED = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="only outside production"):
        call_command("sandbox_partner")
