"""Deciding many transactions at once: the same decisions and aggregates as deciding them one by one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from apps.fraud import interface
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, CustomerCountry, MonitoredTransaction, VelocityBucket
from apps.fraud.types import ProposedTransaction
from tests.apps.fraud.factories import txn

pytestmark = pytest.mark.django_db

OTHER = "GB29NWBK60161331926819"


def chunk(now: datetime) -> list[ProposedTransaction]:
    """A chunk whose later lines fire on the ones before them: a burst, a fan-in, first countries, near limits."""
    lines = [txn(f"b{n}", "120.00", counterparty_key=OTHER if n % 3 else "DE89370400440532013000") for n in range(12)]
    return [
        txn("early", "50.00"),  # decided before the chunk: a replay
        *lines[:4],
        txn("iran", "6000.00", counterparty_country="IR", beneficiary_created_at=now - timedelta(hours=2)),  # block
        txn("bad", counterparty_country="DEU"),  # refused
        txn("fr1", "3500.00", counterparty_country="FR", counterparty_key="FR7630006000011234567890189"),
        txn("fr2", "3500.00", counterparty_country="FR", counterparty_key="FR7630006000011234567890189"),
        txn("near1", "9950.00", counterparty_key=""),
        txn("other-customer", "100.00", customer_id=2),
        txn("nl", "80.00", counterparty_country="NL"),
        *lines[4:],
    ]


def state() -> dict[str, Any]:
    decided = MonitoredTransaction.objects.order_by("reference").values_list(
        "reference", "outcome", "score", "features", "fired", "shadow_fired", "failed", "occurred_at"
    )
    buckets = VelocityBucket.objects.order_by("scope", "key", "currency", "grain", "start_at").values_list(
        "scope", "key", "currency", "grain", "start_at", "count", "sum_minor", "near_limit_count"
    )
    countries = CustomerCountry.objects.order_by("customer_id", "country").values_list("customer_id", "country")
    alerts = Alert.objects.order_by("dedupe_key").values_list("dedupe_key", "summary", "hold", "payment_ref", "score")
    return {"decided": list(decided), "buckets": list(buckets), "countries": list(countries), "alerts": list(alerts)}


def answer(decision: interface.Decision | FraudRefused) -> tuple[Any, ...]:
    if isinstance(decision, FraudRefused):
        return ("refused", decision.code)
    return (decision.outcome, decision.score, decision.fired, decision.alert_id is not None, decision.failed)


def test_a_chunk_decided_at_once_is_decided_as_one_by_one(starter_rules: list[int], now: datetime) -> None:
    interface.transaction_decide(txn=txn("early", "50.00"), now=now - timedelta(minutes=20))
    interface.transaction_decide(txn=txn("fan", "10.00", counterparty_key=OTHER, customer_id=3), now=now)
    with transaction.atomic():
        one_by_one = []
        for proposed in chunk(now):
            try:
                one_by_one.append(answer(interface.transaction_decide(txn=proposed, now=now)))
            except FraudRefused as refused:
                one_by_one.append(answer(refused))
        expected = state()
        transaction.set_rollback(True)

    at_once = [answer(d) for d in interface.transactions_decide(txns=chunk(now), now=now)]

    assert at_once == one_by_one
    assert state() == expected
    outcomes = [a[0] for a in at_once]
    # What makes the test worth its name: later lines fired on the earlier ones, each kind of answer came up.
    assert {"allow", "review", "block", "refused"} <= set(outcomes)
    features = dict(MonitoredTransaction.objects.values_list("reference", "features"))
    # The earlier payment, the eleven lines before it that were not blocked or refused, itself.
    assert features["b11"]["customer_count_1h"] == 17
    assert features["fr1"]["first_payment_to_country"]
    assert not features["fr2"]["first_payment_to_country"]


def test_a_replay_and_a_conflict_answer_as_the_single_call(starter_rules: list[int], now: datetime) -> None:
    first = interface.transaction_decide(txn=txn("p1"), now=now)
    interface.transaction_decide(txn=txn("p0"), now=now)
    answers = interface.transactions_decide(txns=[txn("p1"), txn("p2"), txn("p0", "999.00")], now=now)
    assert answers[0] == first
    assert isinstance(answers[1], interface.Decision)
    assert answers[1].outcome == "allow"
    assert isinstance(answers[2], FraudRefused)
    assert answers[2].code == "reference_conflict"
    assert MonitoredTransaction.objects.filter(reference__in=["p0", "p1"]).count() == 2
    # The same reference twice in one call: the second is the first one's replay, as one by one.
    twice = interface.transactions_decide(txns=[txn("p3"), txn("p3")], now=now)
    assert twice[0] == twice[1]


def test_transactions_at_other_times_are_decided_one_by_one(starter_rules: list[int], now: datetime) -> None:
    earlier = [txn(f"t{n}", occurred_at=now - timedelta(minutes=10 * (5 - n))) for n in range(6)]
    answers = interface.transactions_decide(txns=earlier, now=now)
    assert all(isinstance(a, interface.Decision) for a in answers)
    assert MonitoredTransaction.objects.get(reference="t5").features["customer_count_1h"] == 6
