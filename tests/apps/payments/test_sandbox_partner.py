"""``sandbox_partner``: acme's partner with every scope, a funded account and a fresh secret each run."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from apps.accounts import interface as accounts
from apps.wallets import interface as wallets
from bankcore.api import consents
from bankcore.api.models import Consent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Posting
from bankcore.money import Money
from bankcore.users.models import User
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
    assert set(first) == {"client_id", "client_secret", "scopes", "accounts", "consent_id", "wallets"}
    assert first["client_id"] == second["client_id"]
    assert first["client_secret"] != second["client_secret"]
    # The seeders it runs make alice; each run hands out a fresh valid consent (with the whole
    # day's reads) and the partner ends the one the run before handed out.
    assert first["consent_id"] is not None
    assert second["consent_id"] not in (None, first["consent_id"])
    assert Consent.objects.get(public_id=first["consent_id"]).status == Consent.Status.TERMINATED_BY_TPP
    assert "payments:write" in first["scopes"]  # type: ignore[operator]
    # acme's accounts by their API ids (the demo seeder it runs adds acme's business account).
    assert {"id": f"acc_{acme.account.pk}", "iban": acme.account.iban, "currency": "EUR"} in first["accounts"]
    balance = ledger_read.balance(account_id=acme.account.ledger_account_id)
    assert balance == Money.of("1000000.00", "EUR")
    app = Application.objects.get(client_id=first["client_id"])
    assert app.partner_grant.acting_for_id == acme.id  # type: ignore[attr-defined]
    consent = consents.consent_get_for_partner(public_id=str(second["consent_id"]), application_id=app.pk)
    assert consent is not None
    alice = User.objects.get(email="alice@bankcore.localhost")
    assert (consent.status, consent.customer_id) == ("valid", alice.pk)
    assert set(consent.account_ids) == {a.id for a in accounts.accounts_of_customer(customer_id=alice.pk)}


def test_acme_has_a_funded_eur_wallet_topped_up_again_after_spending(settings: object) -> None:
    settings.DEMO_DATA_ALLOWED = True  # type: ignore[attr-defined]
    acme = payer(balance="10.00", full_name="Acme Trading GmbH")
    acme.user.email = "acme@bankcore.localhost"
    acme.user.save(update_fields=["email"])
    first = run()
    wallet = wallets.wallet_for_customer(customer_id=acme.user.pk, currency="EUR")
    assert first["wallets"] == [{"id": str(wallet.id), "currency": "EUR"}]
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money.of("1000.00", "EUR")
    entries = Posting.objects.filter(account_id=wallet.ledger_account_id).count()
    assert run()["wallets"] == first["wallets"]
    assert Posting.objects.filter(account_id=wallet.ledger_account_id).count() == entries  # funded: left alone
    spent = ledger.transfer(
        from_account_id=wallet.ledger_account_id,
        to_account_id=acme.account.ledger_account_id,
        amount=Money.of("250.00", "EUR"),
        idempotency_key="test:spend",
    )
    assert spent
    run()
    assert ledger_read.balance(account_id=wallet.ledger_account_id) == Money.of("1000.00", "EUR")
    assert ledger_read.reconcile().clean


def test_refused_where_demo_data_is_off(settings: object) -> None:
    settings.DEMO_DATA_ALLOWED = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="only outside production"):
        call_command("sandbox_partner")
