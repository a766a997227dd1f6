"""Back office: payment search, the held queue linked to fraud cases, the timeline; read-only."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from apps.payments.models import Payment
from apps.payments.services import initiate
from bankcore.money import Money
from bankcore.testing.access import login_verified
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer
from tests.bankcore.users.factories import StaffFactory


@pytest.fixture
def staff() -> object:
    return StaffFactory(is_superuser=True)


def test_search_detail_and_held_queue(
    client: Client, staff: object, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.fraud import interface as fraud

    p = payer(balance="500.00")
    ok = initiate.payment_initiate(
        customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("45.00", "EUR"), creditor_name=EXTERNAL_NAME,
        creditor_iban=EXTERNAL_IBAN, idempotency_key="a", now=now, sca_exemption="t",
    )  # fmt: skip

    def broken(**_: object) -> None:
        raise RuntimeError("rules down")

    monkeypatch.setattr(fraud, "transaction_decide", broken)
    held = initiate.payment_initiate(
        customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("46.00", "EUR"), creditor_name=EXTERNAL_NAME,
        creditor_iban=EXTERNAL_IBAN, idempotency_key="b", now=now, sca_exemption="t",
    )  # fmt: skip
    login_verified(client, staff)
    found = client.get("/admin/payments/payment/", {"q": ok.tx_id}).content.decode()
    assert ok.tx_id in found
    assert held.tx_id not in found
    queue = client.get("/admin/payments/heldpayment/").content.decode()
    assert held.tx_id in queue
    assert ok.tx_id not in queue
    assert f"/admin/fraud/alert/{held.fraud_alert_id}/change/" in queue
    detail = client.get(f"/admin/payments/payment/{held.id}/change/").content.decode()
    assert "held_for_review" in detail
    assert "checking" in detail
    assert client.post(f"/admin/payments/payment/{held.id}/delete/").status_code == 403
    assert Payment.objects.count() == 2
