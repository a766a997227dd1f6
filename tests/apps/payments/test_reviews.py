"""A held payment waits for its fraud case; the case's outcome alone releases or rejects it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.fraud.models import Alert
from apps.payments.models import Payment
from apps.payments.services import initiate, reviews
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Hold
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, Payer, payer


@pytest.fixture
def now() -> datetime:
    """The wall clock: the case handlers act at the moment the case is decided, as in production, so a
    payment held at the suite's fixed date would find its hold expired by the time it is released."""
    return timezone.now()


@pytest.fixture
def held_by_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fraud monitoring that fails: the payment must be held, never let through."""
    from apps.fraud import interface as fraud

    def broken(**_: object) -> None:
        raise RuntimeError("rule engine down")

    monkeypatch.setattr(fraud, "transaction_decide", broken)


def held(p: Payer, *, to: str, name: str, now: datetime) -> Payment:
    view = initiate.payment_initiate(
        customer_id=p.id, source_account_id=p.account.pk, amount=Money.of("70.00", "EUR"), creditor_name=name,
        creditor_iban=to, idempotency_key="h", now=now, sca_exemption="test",
    )  # fmt: skip
    return Payment.objects.get(pk=view.id)


def test_a_rule_error_holds_the_payment_with_a_case(held_by_error: None, now: datetime) -> None:
    p = payer(balance="100.00")
    payment = held(p, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now)
    assert payment.status == "held_for_review"
    assert payment.fraud_alert_id is not None
    alert = Alert.objects.get(pk=payment.fraud_alert_id)
    assert alert.payment_ref == payment.ref
    # Funds are reserved while it waits.
    assert ledger_read.available_balance(account_id=p.account.ledger_account_id) == Money.of("30.00", "EUR")


def test_release_accepts_an_external_payment(held_by_error: None, now: datetime) -> None:
    payment = held(payer(balance="100.00"), to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now)
    payload = {"payment_ref": payment.ref, "alert_id": payment.fraud_alert_id}
    reviews.on_case_released("e1", payload)
    reviews.on_case_released("e2", payload)  # a second delivery changes nothing
    payment.refresh_from_db()
    assert payment.status == "accepted"
    assert payment.timeline.filter(to_status="accepted").get().actor == f"fraud-case:{payment.fraud_alert_id}"


def test_release_books_an_internal_payment(held_by_error: None, now: datetime) -> None:
    bob = payer(balance="0", full_name="Bob Held")
    payment = held(payer(balance="100.00"), to=bob.account.iban, name="Bob Held", now=now)
    reviews.on_case_released("e1", {"payment_ref": payment.ref, "alert_id": payment.fraud_alert_id})
    payment.refresh_from_db()
    assert payment.status == "settled"
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("70.00", "EUR")


def test_rejection_gives_the_money_back(held_by_error: None, now: datetime) -> None:
    p = payer(balance="100.00")
    payment = held(p, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now)
    reviews.on_case_rejected("e1", {"payment_ref": payment.ref, "alert_id": payment.fraud_alert_id})
    payment.refresh_from_db()
    assert (payment.status, payment.reason_code) == ("rejected", "FR01")
    assert Hold.objects.get(pk=payment.hold_id).status == "released"
    assert ledger_read.available_balance(account_id=p.account.ledger_account_id) == Money.of("100.00", "EUR")


def test_other_contexts_refs_and_unknown_payments_are_ignored(now: datetime) -> None:
    reviews.on_case_released("e1", {"payment_ref": "wallet-transfer:5", "alert_id": 1})
    reviews.on_case_rejected("e2", {"payment_ref": "payment:999999", "alert_id": 1})


def test_a_later_hit_holds_an_accepted_payment(now: datetime) -> None:
    payment = held(payer(balance="100.00"), to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now)
    assert payment.status == "accepted"
    reviews.on_alert_opened("e1", {"payment_ref": payment.ref, "alert_id": 77, "hold": True})
    payment.refresh_from_db()
    assert (payment.status, payment.fraud_alert_id) == ("held_for_review", 77)
    # Only that case releases it.
    reviews.on_case_released("e2", {"payment_ref": payment.ref, "alert_id": 76})
    assert Payment.objects.get(pk=payment.pk).status == "held_for_review"
    reviews.on_case_released("e3", {"payment_ref": payment.ref, "alert_id": 77})
    assert Payment.objects.get(pk=payment.pk).status == "accepted"


def test_an_open_case_keeps_the_payments_hold_past_its_first_term(held_by_error: None, now: datetime) -> None:
    bob = payer(balance="0", full_name="Bob Held")
    payment = held(payer(balance="100.00"), to=bob.account.iban, name="Bob Held", now=now)
    assert payment.hold_id is not None
    first_term = Hold.objects.get(pk=payment.hold_id).expires_at
    assert reviews.review_holds_extend(now=now) == 0  # far from its end: left alone

    for day in range(1, 100):  # the daily beat, while the analysts take their time
        at = now + timedelta(days=day)
        reviews.review_holds_extend(now=at)
        ledger.holds_expire(now=at)
    hold = Hold.objects.get(pk=payment.hold_id)
    assert hold.status == "active"
    assert hold.expires_at > now + timedelta(days=99) > first_term

    assert reviews.payment_case_released(payment_id=payment.pk, alert_id=payment.fraud_alert_id,
                                         now=now + timedelta(days=100))  # fmt: skip
    payment.refresh_from_db()
    assert payment.status == "settled"
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("70.00", "EUR")


def test_without_the_beat_a_case_decided_after_the_hold_lapsed_rejects_the_payment(
    held_by_error: None, now: datetime
) -> None:
    # What the beat prevents: the reserved money is gone, so the release cannot book it.
    payment = held(payer(balance="100.00"), to=payer(balance="0").account.iban, name="Bob Held", now=now)
    later = now + timedelta(days=45)
    ledger.holds_expire(now=later)
    reviews.payment_case_released(payment_id=payment.pk, alert_id=payment.fraud_alert_id, now=later)
    payment.refresh_from_db()
    assert (payment.status, payment.reason_code) == ("rejected", "AM04")


def test_a_decided_payment_is_not_extended(held_by_error: None, now: datetime) -> None:
    payment = held(payer(balance="100.00"), to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now)
    reviews.on_case_rejected("e1", {"payment_ref": payment.ref, "alert_id": payment.fraud_alert_id})
    assert reviews.review_holds_extend(now=now + timedelta(days=29)) == 0
    assert Hold.objects.get(pk=payment.hold_id).status == "released"
