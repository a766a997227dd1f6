"""With a real Celery worker on Redis: an instant payment's acceptance alone puts its file in the outbox."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.payments.models import Payment, PaymentStatus
from apps.payments.models.settlement import PaymentSubmission
from apps.payments.services import initiate
from apps.payments.settlement import instant_sweep
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer
from tests.apps.payments.settlement_factories import clearing_env
from tests.apps.payments.test_settlement_worker import not_eager, start_worker

__all__ = ["clearing_env", "not_eager", "start_worker"]
pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
COUNT = 5


def test_accepted_instant_payments_are_sent_by_the_worker_once_each_and_the_sweep_finds_nothing(
    clearing_env: Path, start_worker: Callable[[], subprocess.Popen[bytes]], not_eager: None
) -> None:
    worker = start_worker()
    now = datetime.now(UTC)
    alice = payer(balance="1000.00", full_name="Alice Example")
    ids = []
    for n in range(COUNT):
        view = initiate.payment_initiate(
            customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("5.00", "EUR"),
            creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key=f"k{n}", now=now,
            sca_exemption="test", instant=True,
        )  # fmt: skip
        ids.append(view.id)
    outbox = clearing_env / "outbox"
    deadline = time.monotonic() + 120
    while Payment.objects.filter(pk__in=ids, status=PaymentStatus.SUBMITTED).count() < COUNT:
        assert worker.poll() is None, "the worker ended on its own"
        assert time.monotonic() < deadline, "the worker never sent them"
        time.sleep(0.05)
    assert len(list(outbox.glob("*.xml"))) == COUNT
    assert PaymentSubmission.objects.filter(payment_id__in=ids).count() == COUNT
    assert instant_sweep(now=datetime.now(UTC)) == []
    assert len(list(outbox.glob("*.xml"))) == COUNT
