"""The velocity aggregates: windows from incremental buckets, sliding, structuring, first country."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.fraud import interface
from apps.fraud.models import MonitoredTransaction, VelocityBucket
from tests.apps.fraud.factories import txn

pytestmark = pytest.mark.django_db


class TestVelocity:
    def test_windows_come_from_incremental_buckets(self, starter_rules, now) -> None:
        for i in range(4):
            interface.transaction_decide(txn=txn(f"v{i}", "10.00"), now=now + timedelta(minutes=i))
        fifth = interface.transaction_decide(txn=txn("v4", "10.00"), now=now + timedelta(minutes=4))
        assert [r.code for r in fifth.fired] == ["burst-1h"]
        features = MonitoredTransaction.objects.get(reference="v4").features
        assert (features["customer_count_1h"], features["customer_sum_1h_minor"]) == (5, 5000)
        assert (features["counterparty_count_24h"], features["customer_count_30d"]) == (5, 5)
        # 5 transactions, 2 parties, 3 grains, all in the same buckets: 6 rows, no history read.
        assert VelocityBucket.objects.count() == 6
        assert VelocityBucket.objects.get(scope="c", grain="d").count == 5

    @pytest.mark.parametrize(("kind", "fired"), [("business", set()), ("person", {"burst-1h", "daily-volume"})])
    def test_a_business_paying_in_runs_is_not_a_burst(self, starter_rules, now, kind, fired) -> None:
        # Ten payments of 3,000 in ten minutes: a consumer's red flag, a business's payroll.
        decisions = [
            interface.transaction_decide(
                txn=txn(f"{kind}{i}", "3000.00", counterparty_key=f"p{i}", customer_kind=kind),
                now=now + timedelta(minutes=i),
            )
            for i in range(10)
        ]
        assert {r.code for r in decisions[-1].fired} - {"night-large"} == fired

    def test_windows_slide(self, starter_rules, now) -> None:
        interface.transaction_decide(txn=txn("w1", "10.00"), now=now)
        later = interface.transaction_decide(txn=txn("w2", "10.00"), now=now + timedelta(hours=2))
        features = MonitoredTransaction.objects.get(pk=later.transaction_id).features
        assert (features["customer_count_1h"], features["customer_count_24h"]) == (1, 2)

    def test_structuring_just_under_the_limit(self, starter_rules, now) -> None:
        outcomes = [
            interface.transaction_decide(txn=txn(f"s{i}", "9500.00", counterparty_key=f"k{i}"), now=now).fired
            for i in range(3)
        ]
        assert "structuring" not in {r.code for r in outcomes[1]}
        assert "structuring" in {r.code for r in outcomes[2]}

    def test_first_payment_to_a_country_only_once(self, starter_rules, now) -> None:
        first = interface.transaction_decide(txn=txn("c1", "3500.00", counterparty_country="FR"), now=now)
        second = interface.transaction_decide(txn=txn("c2", "3500.00", counterparty_country="FR"), now=now)
        assert "first-country-large" in {r.code for r in first.fired}
        assert "first-country-large" not in {r.code for r in second.fired}
