"""A chunk paid together still gives every line the single payment's answer: limits in order, fraud holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from apps.fraud.models import Alert
from apps.payments.models import LineStatus, Payment
from apps.payments.services import batches
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from tests.apps.payments.batch_factories import Row, business, upload
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer


def executed(owner: Any, rows: list[Row], *, now: datetime, capture: Any) -> dict[int, tuple[str, str]]:
    with capture(execute=True):
        batch = upload(owner, rows, partner_id=1, now=now)
    return {line.line_no: (line.status, line.reason_code) for line in batches.batch_lines(batch=batch)}


@pytest.mark.django_db
def test_each_line_is_counted_against_the_limits_after_those_before_it(
    now: datetime, django_capture_on_commit_callbacks: Any
) -> None:
    # Tier 1: 50 EUR a payment, 150 EUR of payments a month.
    acme = business(balance="1000.00", tier=1)
    bob = payer(balance="0.00", full_name="Bob Builder")
    amounts = ["40.00", "60.00", "50.00", "50.00", "30.00"]
    rows = [Row("Bob Builder", bob.account.iban, amount) for amount in amounts]
    results = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
    assert results == {
        1: (LineStatus.PAID, ""),
        2: (LineStatus.REJECTED, "AM02"),  # over the per-payment limit
        3: (LineStatus.PAID, ""),
        4: (LineStatus.PAID, ""),
        5: (LineStatus.REJECTED, "AM02"),  # 170 EUR would pass the month's 150
    }
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("140.00", "EUR")


@pytest.mark.django_db
def test_a_failing_fraud_decision_holds_every_line_with_its_funds_reserved(
    now: datetime, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.fraud import interface as fraud

    def broken(**_: object) -> None:
        raise RuntimeError("rule engine down")

    monkeypatch.setattr(fraud, "transactions_decide", broken)  # the batch decides its chunk in one call
    acme = business(balance="100.00")
    bob = payer(balance="0.00", full_name="Bob Builder")
    rows = [Row("Bob Builder", bob.account.iban, "10.00"), Row(EXTERNAL_NAME, EXTERNAL_IBAN, "20.00")]
    results = executed(acme, rows, now=now, capture=django_capture_on_commit_callbacks)
    assert [status for status, _ in results.values()] == [LineStatus.HELD, LineStatus.HELD]
    for payment in Payment.objects.filter(customer_id=acme.id):
        assert payment.status == "held_for_review"
        assert payment.hold_id is not None
        assert payment.entry_id is None
        assert Alert.objects.get(pk=payment.fraud_alert_id).payment_ref == payment.ref
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("0.00", "EUR")
    assert ledger_read.available_balance(account_id=acme.account.ledger_account_id) == Money.of("70.00", "EUR")
