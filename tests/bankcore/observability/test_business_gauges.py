"""The payments', clearing's and wallets' figures on /metrics, read from the database at scrape time."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from apps.payments.services import initiate
from apps.wallets.models import Wallet
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, payer
from tests.apps.wallets.factories import customer, funded_wallet

pytestmark = pytest.mark.django_db


def scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_payments_by_status_and_the_clearing_queues(client: Client, now: datetime) -> None:
    p = payer(balance="100.00")
    initiate.payment_initiate(
        customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("10.00", "EUR"), creditor_name="Muster GmbH",
        creditor_iban=EXTERNAL_IBAN, idempotency_key="m1", now=now, sca_exemption="test",
    )  # fmt: skip
    text = scrape(client)
    assert 'bankcore_payments{status="accepted"} 1.0' in text
    assert "bankcore_clearing_exceptions_open 0.0" in text
    assert "bankcore_clearing_suspense_open 0.0" in text


def test_wallets_by_currency_and_status(client: Client, now: datetime) -> None:
    funded_wallet(customer(), "5.00", now=now)
    Wallet.objects.update(status=Wallet.Status.FROZEN)
    funded_wallet(customer(), "5.00", "GBP", now=now)
    text = scrape(client)
    assert 'bankcore_wallets{currency="EUR",status="frozen"} 1.0' in text
    assert 'bankcore_wallets{currency="GBP",status="active"} 1.0' in text
    assert "bankcore_wallet_recoveries_open 0.0" in text
