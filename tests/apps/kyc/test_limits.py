"""The limits every payment obeys: exact boundaries, day and month in the bank's zone, release, FX."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.kyc import interface as kyc
from apps.kyc.models import UsageBucket, UsageRecord
from bankcore.fx.errors import RateMissing, RateStale
from bankcore.money import Money
from tests.apps.kyc.factories import CustomerKycFactory
from tests.bankcore.fx.factories import RateFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
OUT = kyc.LimitKind.PAYMENT_OUT


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def record(customer_id: int, amount: Money, ref: str, *, kind: str = OUT, now: datetime = NOW) -> None:
    with transaction.atomic():
        kyc.limits_record(customer_id=customer_id, kind=kind, amount=amount, ref=ref, now=now)


def refused(customer_id: int, amount: Money, *, kind: str = OUT, now: datetime = NOW) -> kyc.LimitExceeded:
    with pytest.raises(kyc.LimitExceeded) as caught:
        kyc.limits_check(customer_id=customer_id, kind=kind, amount=amount, now=now)
    return caught.value


@pytest.fixture
def basic() -> int:
    return CustomerKycFactory(tier_id=1).customer_id


@pytest.fixture
def verified_high() -> int:
    return CustomerKycFactory(tier_id=2, risk_rating="high").customer_id


class TestTierOne:
    """AMLD art. 12: 50 EUR a remote payment or cash-out, 150 EUR of payments a month, 150 EUR held."""

    @pytest.mark.parametrize("kind", [kyc.LimitKind.PAYMENT_OUT, kyc.LimitKind.WALLET_OUT, kyc.LimitKind.CASH_OUT])
    def test_the_last_cent_of_a_transaction_is_allowed_one_more_is_not(self, basic: int, kind: str) -> None:
        kyc.limits_check(customer_id=basic, kind=kind, amount=eur("50.00"), now=NOW)
        error = refused(basic, eur("50.01"), kind=kind)
        assert error.code == "limit_per_transaction"
        assert (error.limit, error.remaining, error.attempted) == (eur("50.00"), eur("50.00"), eur("50.01"))

    def test_150_a_month_across_every_kind_of_money_out(self, basic: int) -> None:
        record(basic, eur("50.00"), "payment:1")
        record(basic, eur("50.00"), "wallet-transfer:1", kind=kyc.LimitKind.WALLET_OUT)
        record(basic, eur("49.99"), "payment:2", now=NOW + timedelta(days=5))
        kyc.limits_check(customer_id=basic, kind=kyc.LimitKind.CASH_OUT, amount=eur("0.01"), now=NOW)
        error = refused(basic, eur("0.02"), kind=kyc.LimitKind.CASH_OUT)
        assert error.code == "limit_per_month"
        assert error.kind == kyc.LimitKind.ANY_OUT
        assert (error.limit, error.remaining) == (eur("150.00"), eur("0.01"))
        record(basic, eur("0.01"), "topup:9", kind=kyc.LimitKind.CASH_OUT)
        assert refused(basic, eur("0.01")).remaining == eur("0.00")

    def test_at_most_150_held(self, basic: int) -> None:
        kyc.limits_check(customer_id=basic, kind=kyc.LimitKind.WALLET_BALANCE, amount=eur("150.00"), now=NOW)
        error = refused(basic, eur("150.01"), kind=kyc.LimitKind.WALLET_BALANCE)
        assert (error.code, error.limit) == ("limit_held", eur("150.00"))

    def test_a_balance_is_checked_never_recorded(self, basic: int) -> None:
        with pytest.raises(ValueError, match="never recorded"):
            record(basic, eur("1.00"), "topup:1", kind=kyc.LimitKind.WALLET_BALANCE)


def test_a_registered_customer_moves_no_money() -> None:
    customer_id = CustomerKycFactory(tier_id=0).customer_id
    assert refused(customer_id, eur("0.01")).code == "tier_moves_no_money"


def test_a_customer_kyc_has_never_seen_is_tier_zero() -> None:
    from tests.apps.kyc.factories import CustomerFactory

    stranger = CustomerFactory().pk
    assert kyc.customer_status(customer_id=stranger).tier == 0
    assert refused(stranger, eur("0.01")).code == "tier_moves_no_money"
    with pytest.raises(kyc.LimitExceeded):
        record(stranger, eur("0.01"), "payment:1")


def test_a_restricted_customer_moves_nothing_whatever_the_tier() -> None:
    customer_id = CustomerKycFactory(tier_id=2, risk_rating="low", restricted=True).customer_id
    assert refused(customer_id, eur("0.01")).code == "customer_restricted"
    assert kyc.customer_status(customer_id=customer_id).restricted is True


def test_a_kind_the_tier_has_no_row_for_is_refused(verified_high: int) -> None:
    from apps.kyc.models import Limit

    Limit.objects.filter(tier_id=2, risk_rating="high", kind=kyc.LimitKind.CASH_OUT).delete()
    assert refused(verified_high, eur("1.00"), kind=kyc.LimitKind.CASH_OUT).code == "kind_not_allowed"


class TestWindowsInTheBankTimeZone:
    """Tier 2 high risk: 20,000 EUR of payments a day, 50,000 a month, days and months of Europe/Berlin."""

    def test_the_day_ends_at_midnight_in_berlin_not_in_utc(self, verified_high: int) -> None:
        evening = datetime(2026, 11, 10, 22, 30, tzinfo=UTC)  # 23:30 in Berlin (CET, UTC+1)
        record(verified_high, eur("10000.00"), "payment:1", now=evening)
        record(verified_high, eur("9999.99"), "payment:2", now=evening)
        kyc.limits_check(customer_id=verified_high, kind=OUT, amount=eur("0.01"), now=evening)
        before_midnight = datetime(2026, 11, 10, 22, 59, 59, tzinfo=UTC)
        error = refused(verified_high, eur("0.02"), now=before_midnight)
        assert (error.code, error.remaining) == ("limit_per_day", eur("0.01"))
        after_midnight = datetime(2026, 11, 10, 23, 0, tzinfo=UTC)  # 00:00 on the 11th in Berlin
        kyc.limits_check(customer_id=verified_high, kind=OUT, amount=eur("10000.00"), now=after_midnight)

    def test_the_month_turns_in_berlin(self, verified_high: int) -> None:
        for n, day in enumerate(range(2, 7)):
            record(verified_high, eur("10000.00"), f"payment:{n}", now=datetime(2026, 11, day, 12, tzinfo=UTC))
        last_evening = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 on 30 November in Berlin
        error = refused(verified_high, eur("0.01"), now=last_evening)
        assert (error.code, error.limit, error.remaining) == ("limit_per_month", eur("50000.00"), eur("0.00"))
        december = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 00:00 on 1 December in Berlin
        kyc.limits_check(customer_id=verified_high, kind=OUT, amount=eur("10000.00"), now=december)
        buckets = UsageBucket.objects.filter(customer_id=verified_high, kind=OUT, period="month")
        assert list(buckets.values_list("starts_on", "used_minor")) == [(datetime(2026, 11, 1).date(), 5_000_000)]

    def test_summer_time_moves_the_day_boundary(self, verified_high: int) -> None:
        summer_evening = datetime(2026, 7, 10, 22, 0, tzinfo=UTC)  # 00:00 on 11 July in Berlin (CEST)
        record(verified_high, eur("10000.00"), "payment:1", now=summer_evening)
        record(verified_high, eur("10000.00"), "payment:2", now=summer_evening)
        earlier = datetime(2026, 7, 10, 21, 59, tzinfo=UTC)  # still 10 July in Berlin
        kyc.limits_check(customer_id=verified_high, kind=OUT, amount=eur("10000.00"), now=earlier)
        assert refused(verified_high, eur("0.01"), now=summer_evening).code == "limit_per_day"


class TestRelease:
    def test_a_released_payment_gives_its_room_back(self, basic: int) -> None:
        record(basic, eur("50.00"), "payment:1")
        record(basic, eur("50.00"), "payment:2")
        record(basic, eur("50.00"), "payment:3")
        assert refused(basic, eur("0.01")).code == "limit_per_month"
        assert kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:2", now=NOW) is True
        kyc.limits_check(customer_id=basic, kind=OUT, amount=eur("50.00"), now=NOW)
        assert refused(basic, eur("50.01")).code == "limit_per_transaction"

    def test_releasing_twice_or_an_unknown_ref_changes_nothing(self, basic: int) -> None:
        record(basic, eur("40.00"), "payment:1")
        assert kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:1", now=NOW) is True
        assert kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:1", now=NOW) is False
        assert kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:404", now=NOW) is False
        used = dict(UsageBucket.objects.filter(customer_id=basic).values_list("kind", "used_minor").distinct())
        assert used == {"payment_out": 0, "any_out": 0}

    def test_a_return_next_month_gives_back_to_the_month_it_was_counted_in(self, basic: int) -> None:
        record(basic, eur("50.00"), "payment:1", now=datetime(2026, 10, 31, 10, tzinfo=UTC))
        kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:1", now=NOW)
        october = UsageBucket.objects.get(customer_id=basic, kind="any_out", period="month")
        assert (october.starts_on.month, october.used_minor) == (10, 0)
        assert not UsageBucket.objects.filter(starts_on__month=11).exists()


class TestRecord:
    def test_the_same_ref_twice_counts_once(self, basic: int) -> None:
        record(basic, eur("50.00"), "payment:1")
        record(basic, eur("50.00"), "payment:1")
        assert UsageRecord.objects.count() == 1
        assert refused(basic, eur("100.01")).code == "limit_per_transaction"
        kyc.limits_check(customer_id=basic, kind=OUT, amount=eur("50.00"), now=NOW)

    def test_the_same_ref_for_another_amount_is_refused(self, basic: int) -> None:
        record(basic, eur("10.00"), "payment:1")
        with pytest.raises(kyc.UsageRefReused):
            record(basic, eur("20.00"), "payment:1")

    def test_record_checks_again_and_refuses_what_no_longer_fits(self, basic: int) -> None:
        kyc.limits_check(customer_id=basic, kind=OUT, amount=eur("0.01"), now=NOW)  # passed before the others
        record(basic, eur("50.00"), "payment:1")
        record(basic, eur("50.00"), "payment:2")
        record(basic, eur("50.00"), "payment:3")
        with pytest.raises(kyc.LimitExceeded) as caught:
            record(basic, eur("0.01"), "payment:4")
        assert caught.value.code == "limit_per_month"
        assert not UsageRecord.objects.filter(ref="payment:4").exists()

    @pytest.mark.django_db(transaction=True)  # outside any transaction, as a careless caller would be
    def test_record_belongs_inside_the_money_movements_transaction(self, basic: int) -> None:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            kyc.limits_record(customer_id=basic, kind=OUT, amount=eur("1.00"), ref="payment:1", now=NOW)

    def test_a_refusal_rolls_back_the_callers_movement(self, basic: int) -> None:
        from bankcore.events import publish
        from bankcore.events.models import OutboxEvent

        record(basic, eur("50.00"), "payment:1")
        record(basic, eur("50.00"), "payment:2")
        record(basic, eur("50.00"), "payment:3")

        @transaction.atomic
        def pay() -> None:
            publish("payment.created", {"payment_id": 4})  # stands for the caller's own writes
            kyc.limits_record(customer_id=basic, kind=OUT, amount=eur("1.00"), ref="payment:4", now=NOW)

        with pytest.raises(kyc.LimitExceeded):
            pay()
        assert not OutboxEvent.objects.filter(name="payment.created").exists()


class TestCountedInEuros:
    def test_other_currencies_count_at_the_reference_rate(self, basic: int) -> None:
        RateFactory(base="EUR", quote="USD", mid=Decimal("1.25"), as_of=NOW - timedelta(hours=2))
        kyc.limits_check(customer_id=basic, kind=OUT, amount=Money.of("62.50", "USD"), now=NOW)  # 50.00 EUR
        error = refused(basic, Money.of("62.52", "USD"))  # 50.016 -> 50.02 EUR
        assert (error.code, error.attempted) == ("limit_per_transaction", eur("50.02"))
        record(basic, Money.of("62.50", "USD"), "payment:1")
        row = UsageRecord.objects.get(ref="payment:1")
        assert (row.amount_minor, row.currency, row.eur_minor, row.rate_id is not None) == (6250, "USD", 5000, True)

    def test_a_release_gives_back_what_was_counted_whatever_the_rate_now(self, basic: int) -> None:
        RateFactory(base="EUR", quote="USD", mid=Decimal("1.25"), as_of=NOW - timedelta(hours=2))
        record(basic, Money.of("62.50", "USD"), "payment:1")
        RateFactory(base="EUR", quote="USD", mid=Decimal("2"), as_of=NOW - timedelta(hours=1))
        kyc.limits_release(customer_id=basic, kind=OUT, ref="payment:1", now=NOW)
        assert set(UsageBucket.objects.values_list("used_minor", flat=True)) == {0}

    def test_a_stale_rate_refuses_the_payment(self, basic: int) -> None:
        RateFactory(base="EUR", quote="USD", as_of=NOW - timedelta(days=5))
        with pytest.raises(RateStale):
            kyc.limits_check(customer_id=basic, kind=OUT, amount=Money.of("1.00", "USD"), now=NOW)
        with pytest.raises(kyc.RateUnavailable):
            record(basic, Money.of("1.00", "USD"), "payment:1")
        assert not UsageRecord.objects.exists()

    def test_the_newest_rate_in_force_is_read_with_the_limits_in_one_statement(self, basic: int) -> None:
        RateFactory(base="EUR", quote="USD", mid=Decimal("2"), as_of=NOW - timedelta(hours=5))
        RateFactory(base="USD", quote="EUR", mid=Decimal("0.8"), as_of=NOW - timedelta(hours=1))  # the newest
        RateFactory(base="EUR", quote="USD", mid=Decimal("4"), as_of=NOW + timedelta(hours=1))  # not yet in force
        with CaptureQueriesContext(connection) as queries:
            error = refused(basic, Money.of("62.52", "USD"))  # 62.52 x 0.8 = 50.016 -> 50.02 EUR
        assert (error.code, error.attempted) == ("limit_per_transaction", eur("50.02"))
        assert len(queries.captured_queries) == 1

    def test_a_file_in_two_currencies_prices_each_at_its_own_rate(self, basic: int) -> None:
        RateFactory(base="EUR", quote="USD", mid=Decimal("1.25"), as_of=NOW - timedelta(hours=2))
        RateFactory(base="GBP", quote="EUR", mid=Decimal("1.25"), as_of=NOW - timedelta(hours=2))
        answers = kyc.limits_check_many(
            customer_id=basic, kind=OUT, now=NOW,
            items=[("a", Money.of("50.00", "USD")), ("b", Money.of("40.00", "GBP")), ("c", Money.of("20.00", "USD"))],
        )  # fmt: skip
        # 40.00, 50.00 and 16.00 EUR: each within 50 EUR a payment, 106.00 within 150 EUR a month.
        assert answers == {"a": None, "b": None, "c": None}
        answers = kyc.limits_check_many(
            customer_id=basic, kind=OUT, now=NOW,
            items=[("d", Money.of("40.01", "GBP")), ("e", Money.of("62.50", "USD"))],
        )  # fmt: skip
        assert (type(answers["d"]), answers["e"]) == (kyc.LimitExceeded, None)  # 50.0125 -> 50.01 EUR > 50 each

    def test_a_missing_rate_refuses_the_payment(self, basic: int) -> None:
        with pytest.raises(RateMissing):
            kyc.limits_check(customer_id=basic, kind=OUT, amount=Money.of("1.00", "CHF"), now=NOW)


def test_a_non_positive_amount_is_a_programming_error(basic: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        kyc.limits_check(customer_id=basic, kind=OUT, amount=eur("0.00"), now=NOW)
