"""The starter fraud rules on the payment path: a business's payment run is not a consumer's burst."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.fraud.services import rules
from apps.payments.services import initiate
from bankcore.money import Money
from tests.apps.payments.batch_factories import business
from tests.apps.payments.factories import EXTERNAL_IBAN, Payer, payer

pytestmark = pytest.mark.django_db


def ten_payments(p: Payer, now: datetime) -> list[str]:
    """Ten payments of 300.00 to one supplier within ten minutes (the kernel's exemption for tests)."""
    return [
        initiate.payment_initiate(
            customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("300.00", "EUR"),
            creditor_name="Muster GmbH", creditor_iban=EXTERNAL_IBAN, idempotency_key=f"run-{i}",
            now=now + timedelta(minutes=i), sca_exemption="test",
        ).status
        for i in range(10)
    ]  # fmt: skip


@pytest.fixture
def starter_rules(now: datetime) -> None:
    rules.rules_defaults_ensure(now=now)


def test_a_business_pays_a_supplier_ten_times_in_an_hour(starter_rules: None, now: datetime) -> None:
    assert ten_payments(business(balance="5000.00"), now) == ["accepted"] * 10


def test_a_consumer_doing_the_same_is_held_for_review(starter_rules: None, now: datetime) -> None:
    # Five in an hour (+30) and the payee's tenth in a day (+25) reach the review score (50).
    assert ten_payments(payer(balance="5000.00"), now)[-1] == "held_for_review"
