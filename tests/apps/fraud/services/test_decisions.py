from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from apps.fraud import interface
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, MonitoredTransaction, RuleVersion, VelocityBucket
from apps.fraud.services import backtests, rules
from bankcore.approvals import services as approvals
from bankcore.money import Money

pytestmark = pytest.mark.django_db


def txn(ref: str, amount: str = "100.00", **extra) -> interface.ProposedTransaction:
    values = {"customer_id": 1, "counterparty_key": "DE89370400440532013000", "counterparty_country": "DE"}
    return interface.ProposedTransaction(reference=ref, amount=Money.of(amount, "EUR"), **{**values, **extra})


@pytest.fixture
def starter_rules(now: datetime) -> list[int]:
    return rules.rules_defaults_ensure(now=now)


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


class TestRulesMakerChecker:
    @pytest.fixture
    def analysts(self) -> tuple[int, int]:
        User = get_user_model()
        return (
            User.objects.create_user(email="maker@bank.test", password="x").pk,
            User.objects.create_user(email="checker@bank.test", password="x", is_superuser=True).pk,
        )

    def test_a_draft_goes_live_only_after_a_second_person_approves(self, analysts, now) -> None:
        maker, checker = analysts
        version_id = rules.rule_version_create(
            code="tiny-test", condition="amount_minor == 4242", score=60, description="Test amount", now=now
        )
        assert interface.transaction_decide(txn=txn("m1", "42.42"), now=now).outcome == "allow"
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="test", now=now)
        assert RuleVersion.objects.get(pk=version_id).status == "pending"
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=maker, now=now)
        approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert RuleVersion.objects.get(pk=version_id).status == "active"
        decision = interface.transaction_decide(txn=txn("m2", "42.42"), now=now)
        assert (decision.outcome, [r.code for r in decision.fired]) == ("review", ["tiny-test"])

    def test_the_author_of_a_version_cannot_be_its_checker(self, analysts, now) -> None:
        # Were another analyst to request the activation, the author would be free to approve
        # their own condition: one person would have put a rule live.
        author, other = analysts
        version_id = rules.rule_version_create(
            code="own-rule", condition="amount_minor == 4242", score=60, description="d", now=now, created_by_id=author
        )
        with pytest.raises(FraudRefused) as refused:
            rules.rule_activation_request(version_id=version_id, maker_id=other, reason="r", now=now)
        assert refused.value.code == "author_requests_activation"
        assert RuleVersion.objects.get(pk=version_id).status == "draft"
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=author, reason="r", now=now)
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=author, now=now)

    def test_a_version_retired_while_pending_does_not_go_live_on_the_old_request(self, analysts, now) -> None:
        maker, checker = analysts
        version_id = rules.rule_version_create(
            code="retired-rule", condition="amount_minor == 4242", score=60, description="d", now=now
        )
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="r", now=now)
        rules.rule_version_set_status(version_id=version_id, status="retired")
        with pytest.raises(FraudRefused) as refused:
            approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert refused.value.code == "not_pending"
        assert RuleVersion.objects.get(pk=version_id).status == "retired"

    def test_a_new_version_retires_the_old_one(self, analysts, now) -> None:
        maker, checker = analysts
        v1 = rules.rule_version_create(code="r", condition="amount_minor > 1", score=1, description="d", now=now)
        v2 = rules.rule_version_create(code="r", condition="amount_minor > 2", score=2, description="d", now=now)
        for version_id in (v1, v2):
            request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="r", now=now)
            approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert dict(RuleVersion.objects.values_list("number", "status")) == {1: "retired", 2: "active"}

    def test_bad_condition_is_refused_at_creation(self, now) -> None:
        from apps.fraud.expressions import ConditionInvalid

        with pytest.raises(ConditionInvalid):
            rules.rule_version_create(code="bad", condition="amount >", score=1, description="d", now=now)

    def test_activation_cannot_bypass_approval(self, now) -> None:
        v = rules.rule_version_create(code="r2", condition="amount_minor > 1", score=1, description="d", now=now)
        with pytest.raises(FraudRefused) as refused:
            rules.rule_version_set_status(version_id=v, status="active")
        assert refused.value.code == "activation_needs_approval"


class TestShadowAndBacktest:
    def test_shadow_rule_is_recorded_but_never_decides(self, starter_rules, now) -> None:
        v = rules.rule_version_create(
            code="shadow-all", condition="amount_minor > 0", score=500, description="d", now=now
        )
        rules.rule_version_set_status(version_id=v, status="shadow")
        decision = interface.transaction_decide(txn=txn("sh1"), now=now)
        assert decision.outcome == "allow"
        assert [r["code"] for r in MonitoredTransaction.objects.get(reference="sh1").shadow_fired] == ["shadow-all"]

    def test_backtest_replays_stored_features(self, starter_rules, now) -> None:
        for i, amount in enumerate(["10.00", "2500.00", "7000.00"]):
            interface.transaction_decide(txn=txn(f"b{i}", amount, counterparty_key=f"k{i}"), now=now)
        draft = rules.rule_version_create(
            code="draft-2000", condition="amount_minor >= 200000", score=50, description="d", now=now
        )
        run_id = backtests.backtest_run(
            rule_version_ids=[draft], since=now - timedelta(days=1), until=now + timedelta(days=1), now=now
        )
        from apps.fraud.models import BacktestRun

        result = BacktestRun.objects.get(pk=run_id).result
        assert result["evaluated"] == 3
        assert result["outcomes"] == {"allow": 1, "review": 2}
        assert result["fired_per_rule"] == {"draft-2000 v1": 2}
        assert result["changed_vs_live"] == {"allow->review": 2}
        assert sorted(result["flagged_sample"]) == ["b1", "b2"]
        assert RuleVersion.objects.get(pk=draft).status == "draft"  # live decisions untouched
