"""The state machine: every allowed step, every refused one, the timeline, replays, releases."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.kyc.models import UsageRecord
from apps.payments.errors import TransitionRefused
from apps.payments.models import TRANSITIONS, Payment, PaymentEvent, PaymentStatus
from apps.payments.services import initiate
from apps.payments.services.transitions import payment_transition
from bankcore.ledger.models import Hold
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer

ALL = list(PaymentStatus.values)


def external_payment(now: datetime) -> Payment:
    p = payer(balance="500.00")
    view = initiate.payment_initiate(
        customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("50.00", "EUR"),
        creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key="t", now=now, sca_exemption="t",
    )  # fmt: skip
    return Payment.objects.get(pk=view.id)


def test_the_table_names_every_status() -> None:
    assert set(TRANSITIONS) == set(ALL)
    assert all(set(nexts) <= set(ALL) for nexts in TRANSITIONS.values())
    # Final states go nowhere; settled only to returned.
    assert TRANSITIONS["rejected"] == TRANSITIONS["cancelled"] == TRANSITIONS["returned"] == frozenset()
    assert TRANSITIONS["settled"] == frozenset({"returned"})


@pytest.mark.parametrize(("source", "target"), [(s, t) for s in ALL for t in ALL if s != t])
def test_each_step_is_allowed_exactly_when_the_table_says(now: datetime, source: str, target: str) -> None:
    payment = external_payment(now)
    Payment.objects.filter(pk=payment.pk).update(status=source)
    if target in TRANSITIONS[source]:
        assert payment_transition(payment_id=payment.pk, to=target, actor="test", reason="why", now=now) is True
        line = PaymentEvent.objects.filter(payment_id=payment.pk).last()
        assert line is not None
        assert (line.from_status, line.to_status, line.actor, line.reason) == (source, target, "test", "why")
    else:
        with pytest.raises(TransitionRefused):
            payment_transition(payment_id=payment.pk, to=target, actor="test", reason="why", now=now)
        assert Payment.objects.get(pk=payment.pk).status == source


def test_a_replayed_step_changes_nothing(now: datetime) -> None:
    payment = external_payment(now)
    assert payment_transition(payment_id=payment.pk, to="submitted", actor="clearing", reason="sent", now=now)
    lines = PaymentEvent.objects.filter(payment_id=payment.pk).count()
    assert payment_transition(payment_id=payment.pk, to="submitted", actor="clearing", reason="sent", now=now) is False
    assert PaymentEvent.objects.filter(payment_id=payment.pk).count() == lines


def test_rejection_gives_back_the_hold_and_the_limit_usage(now: datetime) -> None:
    payment = external_payment(now)
    assert UsageRecord.objects.get(ref=payment.ref).released_at is None
    payment_transition(payment_id=payment.pk, to="submitted", actor="clearing", reason="sent", now=now)
    payment_transition(
        payment_id=payment.pk, to="rejected", actor="clearing", reason="closed", reason_code="AC04", now=now
    )
    payment.refresh_from_db()
    assert (payment.status, payment.reason_code) == ("rejected", "AC04")
    assert Hold.objects.get(pk=payment.hold_id).status == "released"
    assert UsageRecord.objects.get(ref=payment.ref).released_at is not None
