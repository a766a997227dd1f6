"""A batch and a single payment from the same account at the same moment never overspend it."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from apps.payments.models import LineStatus, Payment, PaymentBatch
from apps.payments.services import batches, initiate
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.payments.batch_factories import Row, business, upload
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("external", [False, True], ids=["internal", "external"])
def test_a_batch_and_a_concurrent_payment_cannot_overspend(
    now: datetime, external: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's steps are run by hand here, so the batch's execution meets the payment at the barrier.
    monkeypatch.setattr(batches, "_enqueue", lambda task, batch_id: None)
    acme = business(balance="100.00", company="Racing Payouts BV")
    bob = payer(balance="0", full_name="Bob Target")
    to, name = (EXTERNAL_IBAN, EXTERNAL_NAME) if external else (bob.account.iban, "Bob Target")
    batch = upload(acme, [Row(name, to, "30.00"), Row(name, to, "30.00")], partner_id=5, now=now)
    assert batches.batch_validate(batch_id=batch.pk, now=now) == "processing"
    barrier = threading.Barrier(2)

    def worker(n: int) -> None:
        barrier.wait()
        if n == 0:
            batches.batch_execute(batch_id=batch.pk, now=now)
        else:
            initiate.payment_initiate(
                customer_id=acme.id, source_account_id=acme.account.pk, amount=Money.of("60.00", "EUR"),
                creditor_name=name, creditor_iban=to, idempotency_key="single", now=now, sca_exemption="test",
            )  # fmt: skip

    run_concurrently(worker, count=2, barrier=barrier)
    left = ledger_read.available_balance(account_id=acme.account.ledger_account_id)
    assert left >= Money(0, "EUR")
    single = Payment.objects.get(idempotency_key="single")
    paid_lines = PaymentBatch.objects.get(pk=batch.pk).lines.exclude(status=LineStatus.REJECTED).count()
    spent = 60 * (single.status != "rejected") + 30 * paid_lines
    assert spent <= 100
    assert left == Money.of("100.00", "EUR") - Money.of(str(spent), "EUR")
    assert spent >= 60  # whichever came first, the money was used, not refused for nothing
