"""Deciding a transaction before money moves: outcome, explanation, alert, replay, stored values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.fraud import interface
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, MonitoredTransaction
from apps.fraud.services import rules
from tests.apps.fraud.factories import txn

pytestmark = pytest.mark.django_db


class TestDecide:
    def test_ordinary_payment_is_allowed_with_nothing_fired(self, starter_rules, now) -> None:
        decision = interface.transaction_decide(txn=txn("p1"), now=now)
        assert (decision.outcome, decision.score, decision.fired, decision.alert_id) == ("allow", 0, (), None)

    def test_review_explains_each_rule_and_holds_through_an_alert(self, starter_rules, now) -> None:
        decision = interface.transaction_decide(
            txn=txn("p2", "6000.00", counterparty_country="IR", beneficiary_created_at=now - timedelta(hours=2)),
            now=now,
        )
        assert decision.outcome == "block"
        assert {(r.code, r.score) for r in decision.fired} == {
            ("large-amount", 20),
            ("high-risk-country", 40),
            ("new-beneficiary-large", 30),
            ("first-country-large", 15),
        }
        assert decision.score == 105
        assert "Payment to a high-risk jurisdiction (+40)" in decision.explain()
        alert = Alert.objects.get(pk=decision.alert_id)
        assert alert.hold == ""  # a blocked payment is refused outright, nothing to hold

    def test_review_holds_the_payment(self, starter_rules, now) -> None:
        decision = interface.transaction_decide(txn=txn("p3", "6000.00", counterparty_country="IR"), now=now)
        assert (decision.outcome, decision.score) == ("review", 75)
        alert = Alert.objects.get(pk=decision.alert_id)
        assert (alert.hold, alert.payment_ref, alert.kind) == ("held", "p3", "transaction")

    def test_deciding_twice_returns_the_first_decision(self, starter_rules, now) -> None:
        first = interface.transaction_decide(txn=txn("p4", "6000.00", counterparty_country="IR"), now=now)
        again = interface.transaction_decide(txn=txn("p4", "6000.00", counterparty_country="IR"), now=now)
        assert again == first
        assert MonitoredTransaction.objects.filter(reference="p4").count() == 1

    @pytest.mark.parametrize(
        "other", [{"amount": "6000.00"}, {"customer_id": 2}, {"counterparty_key": "GB29NWBK60161331926819"}]
    )
    def test_a_reference_reused_for_another_transaction_is_refused(self, starter_rules, now, other) -> None:
        # Replaying the first decision would let a large payment through on the allow of a small one.
        interface.transaction_decide(txn=txn("p5"), now=now)
        amount = other.pop("amount", "100.00")
        with pytest.raises(FraudRefused) as refused:
            interface.transaction_decide(txn=txn("p5", amount, **other), now=now)
        assert refused.value.code == "reference_conflict"
        assert MonitoredTransaction.objects.filter(reference="p5").count() == 1

    @pytest.mark.parametrize(
        ("values", "code"),
        [
            ({"reference": "r" * 101}, "invalid_reference"),
            ({"reference": "r\x00"}, "invalid_reference"),
            ({"reference": ""}, "invalid_reference"),
            ({"customer_id": 2**63}, "invalid_customer"),
            ({"counterparty_key": "k" * 101}, "invalid_counterparty"),
            ({"counterparty_key": "\x00"}, "invalid_counterparty"),
            ({"counterparty_country": "DEU"}, "invalid_country"),
            ({"counterparty_country": "\x00\x00"}, "invalid_country"),
        ],
    )
    def test_values_that_cannot_be_stored_are_refused_with_a_code(self, starter_rules, now, values, code) -> None:
        ref = values.pop("reference", "odd")
        with pytest.raises(FraudRefused) as refused:
            interface.transaction_decide(txn=txn(ref, **values), now=now)
        assert refused.value.code == code
        assert not MonitoredTransaction.objects.exists()

    def test_an_ordinary_decision_is_one_read_and_two_writes(
        self, starter_rules, now, django_assert_num_queries
    ) -> None:
        interface.transaction_decide(txn=txn("warm"), now=now)  # compiles and caches the rule set
        # Savepoint, the one read (stored decision, windows, countries, rule-set version), the
        # decision row, the bucket upsert, release: no history scan, no rule reload.
        with django_assert_num_queries(5):
            interface.transaction_decide(txn=txn("q1", counterparty_key="other"), now=now)

    def test_a_rule_change_reaches_the_cached_rule_set_at_once(self, starter_rules, now) -> None:
        assert interface.transaction_decide(txn=txn("rc1", "42.42"), now=now).outcome == "allow"
        version_id = rules.rule_version_create(
            code="shadowed", condition="amount_minor == 4242", score=60, description="Test amount", now=now
        )
        rules.rule_version_set_status(version_id=version_id, status="shadow")
        decision = interface.transaction_decide(txn=txn("rc2", "42.42"), now=now)
        assert decision.outcome == "allow"
        shadow = MonitoredTransaction.objects.get(reference="rc2").shadow_fired
        assert [r["code"] for r in shadow] == ["shadowed"]
        rules.rule_version_set_status(version_id=version_id, status="retired")
        interface.transaction_decide(txn=txn("rc3", "42.42"), now=now)
        assert MonitoredTransaction.objects.get(reference="rc3").shadow_fired == []

    def test_alert_history_starts_with_the_opened_alert(self, starter_rules, now) -> None:
        decision = interface.transaction_decide(txn=txn("h1", "6000.00", counterparty_country="IR"), now=now)
        alert = Alert.objects.get(pk=decision.alert_id)
        (created,) = alert.history.all()
        assert (created.history_type, created.status, created.hold, created.history_user_id) == (
            "+",
            "open",
            "held",
            None,
        )

    def test_zero_amount_is_refused(self, now) -> None:
        with pytest.raises(FraudRefused) as refused:
            interface.transaction_decide(txn=txn("p5", "0.00"), now=now)
        assert refused.value.code == "amount_not_positive"


class TestShadow:
    def test_shadow_rule_is_recorded_but_never_decides(self, starter_rules, now) -> None:
        v = rules.rule_version_create(
            code="shadow-all", condition="amount_minor > 0", score=500, description="d", now=now
        )
        rules.rule_version_set_status(version_id=v, status="shadow")
        decision = interface.transaction_decide(txn=txn("sh1"), now=now)
        assert decision.outcome == "allow"
        assert [r["code"] for r in MonitoredTransaction.objects.get(reference="sh1").shadow_fired] == ["shadow-all"]
