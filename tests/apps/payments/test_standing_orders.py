"""Standing orders: month ends, TARGET closing days, count and end, failed instances."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from apps.payments.models import Payment, StandingOrder
from apps.payments.services import standing_orders as svc
from apps.payments.services.calendar import add_months, business_day_adjust, is_business_day
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.sca import services as sca
from tests.apps.payments.factories import Payer, beneficiary, payer


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


class TestCalendar:
    def test_the_31st_falls_on_the_last_day_of_shorter_months(self) -> None:
        start = date(2027, 1, 31)
        assert [add_months(start, n, day_of_month=31) for n in range(4)] == [
            date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
        ]  # fmt: skip
        assert add_months(date(2028, 1, 31), 1, day_of_month=31) == date(2028, 2, 29)  # leap year

    def test_target_closing_days_and_weekends(self) -> None:
        assert not is_business_day(date(2026, 12, 25))  # Christmas
        assert not is_business_day(date(2027, 3, 26))  # Good Friday 2027
        assert not is_business_day(date(2026, 11, 7))  # Saturday
        assert is_business_day(date(2026, 11, 9))

    def test_modified_following(self) -> None:
        assert business_day_adjust(date(2026, 11, 7)) == date(2026, 11, 9)  # Saturday -> Monday
        assert business_day_adjust(date(2027, 1, 1)) == date(2027, 1, 4)  # New Year -> Monday
        # Saturday 31 October 2026: the following Monday is in November, so the Friday before.
        assert business_day_adjust(date(2026, 10, 31)) == date(2026, 10, 30)


def order_for(p: Payer, *, start: date, now: datetime, amount: str = "40.00", **kw: object) -> int:
    saved = beneficiary(owner=p)
    details = svc.standing_order_sca_details(
        amount=Money.of(amount, "EUR"), creditor_iban=saved.iban, creditor_name=saved.name,
        frequency=str(kw.get("frequency", "monthly")), start_date=start,
    )  # fmt: skip
    challenge = sca.challenge_confirm(user_id=p.id, action=svc.ACTION, details=details, otp_token=p.code(), now=now)
    return svc.standing_order_create(
        customer_id=p.id, source_account_id=p.account.pk, beneficiary_id=saved.pk, amount=Money.of(amount, "EUR"),
        reference="Rent", frequency=str(kw.pop("frequency", "monthly")), start_date=start, challenge_id=challenge,
        now=now, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_needs_sca(now: datetime) -> None:
    from apps.payments.errors import StandingOrderRefused

    p = payer()
    saved = beneficiary(owner=p)
    with pytest.raises(StandingOrderRefused) as refused:
        svc.standing_order_create(
            customer_id=p.id, source_account_id=p.account.pk, beneficiary_id=saved.pk, amount=Money.of("1.00", "EUR"),
            reference="", frequency="monthly", start_date=date(2026, 11, 30), challenge_id=None, now=now,
        )  # fmt: skip
    assert refused.value.code == "sca_required"


def test_monthly_on_the_31st_with_a_count(now: datetime) -> None:
    p = payer(balance="1000.00")
    order_id = order_for(p, start=date(2026, 12, 31), now=now, count=3)
    made = []
    for day in [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 31)]:
        svc.standing_orders_run(now=at(day))
        made = list(Payment.objects.filter(standing_order_id=order_id).order_by("occurrence_date"))
    # 31 Dec 2026 is a TARGET day; 31 Jan 2027 is a Sunday (-> Friday 29th); 28 Feb 2027 a Sunday (-> 26th).
    assert [m.occurrence_date for m in made] == [date(2026, 12, 31), date(2027, 1, 29), date(2027, 2, 26)]
    assert all(m.status == "accepted" and m.sca_exemption == "recurring" for m in made)
    order = StandingOrder.objects.get(pk=order_id)
    assert (order.status, order.next_date) == ("finished", None)


def test_running_twice_makes_one_instance(now: datetime) -> None:
    p = payer(balance="1000.00")
    order_id = order_for(p, start=date(2026, 11, 16), now=now, frequency="weekly")
    svc.standing_orders_run(now=at(date(2026, 11, 16)))
    svc.standing_orders_run(now=at(date(2026, 11, 16)))
    assert Payment.objects.filter(standing_order_id=order_id).count() == 1
    assert StandingOrder.objects.get(pk=order_id).next_date == date(2026, 11, 23)


def test_without_funds_the_instance_fails_and_the_customer_is_told(now: datetime) -> None:
    p = payer(balance="10.00")
    order_id = order_for(p, start=date(2026, 11, 16), now=now, frequency="weekly", end_date=date(2026, 11, 30))
    svc.standing_orders_run(now=at(date(2026, 11, 16)))
    payment = Payment.objects.get(standing_order_id=order_id)
    assert (payment.status, payment.reason_code) == ("rejected", "AM04")
    assert Notification.objects.filter(customer_id=p.id, title="Standing order payment failed").exists()
    assert StandingOrder.objects.get(pk=order_id).status == "active"  # the next one is still due


def test_paused_orders_make_nothing_and_resume_skips_the_missed(now: datetime) -> None:
    p = payer(balance="1000.00")
    order_id = order_for(p, start=date(2026, 11, 16), now=now, frequency="weekly")
    svc.standing_order_pause(customer_id=p.id, standing_order_id=order_id, now=now)
    svc.standing_orders_run(now=at(date(2026, 11, 24)))
    assert not Payment.objects.filter(standing_order_id=order_id).exists()
    svc.standing_order_resume(customer_id=p.id, standing_order_id=order_id, now=at(date(2026, 11, 24)))
    assert StandingOrder.objects.get(pk=order_id).next_date == date(2026, 11, 30)
    svc.standing_order_cancel(customer_id=p.id, standing_order_id=order_id, now=now)
    svc.standing_orders_run(now=at(date(2026, 11, 30)))
    assert not Payment.objects.filter(standing_order_id=order_id).exists()
