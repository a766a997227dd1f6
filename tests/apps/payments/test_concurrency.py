"""Two payments that together exceed the balance, at the same moment: exactly one goes through."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from apps.payments.models import Payment
from apps.payments.services import initiate
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.threads import run_concurrently
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("external", [False, True], ids=["internal", "external"])
def test_only_one_of_two_racing_payments_is_paid(now: datetime, external: bool) -> None:
    alice = payer(balance="100.00", full_name="Alice Racer")
    bob = payer(balance="0", full_name="Bob Target")
    to, name = (EXTERNAL_IBAN, EXTERNAL_NAME) if external else (bob.account.iban, "Bob Target")
    barrier = threading.Barrier(2)
    views = {}

    def worker(n: int) -> None:
        barrier.wait()
        views[n] = initiate.payment_initiate(
            customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("60.00", "EUR"),
            creditor_name=name, creditor_iban=to, idempotency_key=f"race-{n}", now=now, sca_exemption="test",
        )  # fmt: skip

    run_concurrently(worker, count=2, barrier=barrier)
    outcome = sorted((v.status, v.reason_code) for v in views.values())
    paid = "accepted" if external else "settled"
    assert outcome == sorted([(paid, ""), ("rejected", "AM04")])
    left = ledger_read.available_balance(account_id=alice.account.ledger_account_id)
    assert left == Money.of("40.00", "EUR")


def test_a_double_clicked_submit_makes_one_payment(now: datetime) -> None:
    alice = payer(balance="100.00", full_name="Alice Clicker")
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def worker(n: int) -> None:
        barrier.wait()
        view = initiate.payment_initiate(
            customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("60.00", "EUR"),
            creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key="same-click", now=now,
            sca_exemption="test",
        )  # fmt: skip
        ids.append(view.id)

    run_concurrently(worker, count=2, barrier=barrier)
    assert len(set(ids)) == 1
    assert Payment.objects.filter(customer_id=alice.id).count() == 1
    assert ledger_read.available_balance(account_id=alice.account.ledger_account_id) == Money.of("40.00", "EUR")
