"""An accepted instant payment is sent at once (enqueued on commit); the sweep is only the safety net."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from apps.payments import clearing_tasks
from apps.payments.models import Payment, PaymentStatus
from apps.payments.models.settlement import ClearingFile, PaymentSubmission
from apps.payments.services import initiate, reviews
from apps.payments.settlement import instant_sweep
from bankcore.money import Money
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer
from tests.apps.payments.settlement_factories import clearing_env

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


@pytest.fixture
def live_now() -> datetime:
    """The wall clock: the submit task and the inline answer run on it, as they do in production, so
    a payment made at the suite's fixed date would find its hold long expired when it is booked."""
    return timezone.now()


def pay(*, now: datetime, instant: bool = True, key: str = "k1", name: str = EXTERNAL_NAME) -> int:
    alice = payer(balance="1000.00", full_name="Alice Example")
    view = initiate.payment_initiate(
        customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("45.00", "EUR"),
        creditor_name=name, creditor_iban=EXTERNAL_IBAN, idempotency_key=key, now=now, sca_exemption="test",
        instant=instant,
    )  # fmt: skip
    return view.id


def outbox(clearing_env: Path) -> list[Path]:
    return sorted((clearing_env / "outbox").glob("*.xml"))


def test_an_accepted_instant_payment_is_sent_on_commit_and_answered_inline(
    live_now: datetime, clearing_env: Path, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    now = live_now
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_id = pay(now=now)
    # The embedded default (eager, simulators mounted): sent, answered and settled in the request.
    assert Payment.objects.get(pk=payment_id).status == PaymentStatus.SETTLED
    assert len(outbox(clearing_env)) == 1
    assert PaymentSubmission.objects.filter(payment_id=payment_id).count() == 1
    assert instant_sweep(now=now) == []


def test_sending_again_changes_nothing(
    now: datetime, clearing_env: Path, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_id = pay(now=now)
    msg_id = ClearingFile.objects.get(submissions__payment_id=payment_id).msg_id
    again = clearing_tasks.instant_submit.apply(kwargs={"payment_id": payment_id}).get()
    assert again == msg_id
    assert len(outbox(clearing_env)) == 1
    assert ClearingFile.objects.filter(instant=True, direction="out").count() == 1


def test_one_enqueue_per_payment_and_none_for_sepa_or_a_rollback(
    now: datetime, django_capture_on_commit_callbacks: pytest.FixtureRequest
) -> None:
    with django_capture_on_commit_callbacks() as sent:  # type: ignore[operator]
        instant_id = pay(now=now)
    with django_capture_on_commit_callbacks() as sepa:  # type: ignore[operator]
        pay(now=now, instant=False, key="k2")

    def pay_then_fail() -> None:
        with transaction.atomic():
            pay(now=now, key="k3")
            raise RuntimeError("the caller's transaction fails")

    with django_capture_on_commit_callbacks() as rolled_back, pytest.raises(RuntimeError):  # type: ignore[operator]
        pay_then_fail()

    def instant_sends(callbacks: list[object]) -> int:
        return sum(1 for c in callbacks if getattr(c, "__qualname__", "").startswith("instant_submit_enqueue"))

    assert (instant_sends(sent), instant_sends(sepa), instant_sends(rolled_back)) == (1, 0, 0)
    # Not run here: the sweep is what would find the payment if that enqueue were lost.
    assert Payment.objects.get(pk=instant_id).status == PaymentStatus.ACCEPTED


def test_the_sweep_sends_a_payment_whose_enqueue_was_lost(now: datetime, clearing_env: Path) -> None:
    payment_id = pay(now=now)  # on-commit callbacks are not run here: the enqueue is "lost"
    assert outbox(clearing_env) == []
    (msg_id,) = instant_sweep(now=now)
    assert Payment.objects.get(pk=payment_id).status == PaymentStatus.SUBMITTED
    assert [p.name for p in outbox(clearing_env)] == [f"{msg_id}.xml"]
    assert instant_sweep(now=now) == []


def test_an_instant_payment_released_by_its_fraud_case_is_sent_at_once(
    live_now: datetime,
    clearing_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    from apps.fraud import interface as fraud

    def broken(**_: object) -> None:
        raise RuntimeError("rule engine down")

    monkeypatch.setattr(fraud, "transaction_decide", broken)
    payment_id = pay(now=live_now)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == PaymentStatus.HELD_FOR_REVIEW
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        reviews.on_case_released("e1", {"payment_ref": payment.ref, "alert_id": payment.fraud_alert_id})
    assert Payment.objects.get(pk=payment_id).status == PaymentStatus.SETTLED
    assert len(outbox(clearing_env)) == 1
