"""Payments made through initiation's whole spine settle, reject and return through clearing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from apps.payments.clearing_tick import clearing_tick_run, instant_send_inline
from apps.payments.models import Payment, PaymentEvent, PaymentStatus
from apps.payments.services import initiate
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, payer
from tests.apps.payments.settlement_factories import clearing_env

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def pay(name: str, *, now: datetime, instant: bool = False, amount: str = "45.00") -> tuple[int, int]:
    alice = payer(balance="1000.00", full_name="Alice Example")
    view = initiate.payment_initiate(
        customer_id=alice.id,
        source_account_id=alice.account.pk,
        amount=Money.of(amount, "EUR"),
        creditor_name=name,
        creditor_iban=EXTERNAL_IBAN,
        idempotency_key="k1",
        now=now,
        sca_exemption="test",
        instant=instant,
    )
    assert view.status == "accepted"
    return view.id, alice.account.ledger_account_id


def timeline(payment_id: int) -> list[str]:
    return list(PaymentEvent.objects.filter(payment_id=payment_id).values_list("to_status", flat=True))


def test_an_initiated_sepa_payment_settles_in_the_next_round(now: datetime) -> None:
    payment_id, ledger_id = pay("Max Mustermann", now=now)
    clearing_tick_run(now=now + timedelta(minutes=1))
    assert Payment.objects.get(pk=payment_id).status == PaymentStatus.SETTLED
    assert timeline(payment_id)[-3:] == ["accepted", "submitted", "settled"]
    assert ledger_read.balance(account_id=ledger_id) == Money.of("955.00", "EUR")


def test_an_initiated_payment_rejected_by_the_clearing_gets_its_money_back(now: datetime) -> None:
    payment_id, ledger_id = pay("SIM REJECT AM04", now=now)
    clearing_tick_run(now=now + timedelta(minutes=1))
    payment = Payment.objects.get(pk=payment_id)
    assert (payment.status, payment.reason_code) == (PaymentStatus.REJECTED, "AM04")
    assert ledger_read.available_balance(account_id=ledger_id) == Money.of("1000.00", "EUR")


def test_an_instant_payment_is_answered_inline_on_the_embedded_default(now: datetime, clearing_env: Path) -> None:
    payment_id, _ = pay("Max Mustermann", now=now, instant=True)
    # A Sunday evening: instant payments know no cut-off or closing day.
    instant_send_inline(payment_id=payment_id, now=now.replace(day=1, hour=21))
    assert Payment.objects.get(pk=payment_id).status == PaymentStatus.SETTLED
    assert len(list((clearing_env / "outbox").glob("*.xml"))) == 1
