"""A rule that raises while evaluated is logged, counted and shown, and holds the payment (DESIGN.md §7)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.fraud import interface
from apps.fraud.models import Alert, MonitoredTransaction, RuleVersion
from apps.fraud.selectors import alerts as alert_read
from apps.fraud.selectors.rules import CompiledRule
from apps.fraud.services import backtests, rules
from bankcore.testing.access import login_verified
from tests.apps.fraud.factories import RuleVersionFactory, txn

pytestmark = pytest.mark.django_db


def broken_version(*, code: str, status: str = RuleVersion.Status.ACTIVE) -> int:
    """A version whose stored condition names a feature the catalogue no longer has.

    Conditions are checked when saved, so this is how one breaks for real: a later release renames
    or drops a feature, and the row stays as it was stored.
    """
    version: RuleVersion = RuleVersionFactory(rule__code=code, condition="amount_in_cents > 0", status=status)
    return version.pk


class TestALiveRuleThatRaises:
    def test_an_ordinary_payment_is_held_for_review_not_let_through(self, now, django_capture_on_commit_callbacks):
        broken = broken_version(code="renamed-feature")
        with django_capture_on_commit_callbacks(execute=True):
            decision = interface.transaction_decide(txn=txn("e1"), now=now)
        assert (decision.outcome, decision.score, decision.fired) == ("review", 0, ())
        assert [(f.code, f.version) for f in decision.failed] == [("renamed-feature", 1)]
        assert "unknown feature 'amount_in_cents'" in decision.failed[0].error
        assert "rule renamed-feature v1 could not be evaluated" in decision.explain()
        alert = Alert.objects.get(pk=decision.alert_id)
        assert (alert.hold, alert.payment_ref) == (Alert.Hold.HELD, "e1")
        assert "could not evaluate renamed-feature v1" in alert.summary
        assert alert.details["failed"][0]["code"] == "renamed-feature"
        assert MonitoredTransaction.objects.get(reference="e1").failed == [
            {"code": "renamed-feature", "version": 1, "error": decision.failed[0].error}
        ]
        version = RuleVersion.objects.get(pk=broken)
        assert (version.error_count, version.last_error_at) == (1, now)
        assert "unknown feature" in version.last_error

    def test_the_other_rules_still_decide(self, now) -> None:
        rules.rules_defaults_ensure(now=now)
        broken_version(code="renamed-feature")
        decision = interface.transaction_decide(
            txn=txn("e2", "6000.00", counterparty_country="IR", beneficiary_created_at=now - timedelta(hours=2)),
            now=now,
        )
        # Blocked on the others' score; the failure does not soften it to a review.
        assert (decision.outcome, decision.score) == ("block", 105)
        assert [f.code for f in decision.failed] == ["renamed-feature"]

    def test_replaying_the_decision_returns_its_failures(self, now) -> None:
        broken_version(code="renamed-feature")
        first = interface.transaction_decide(txn=txn("e3"), now=now)
        assert interface.transaction_decide(txn=txn("e3"), now=now) == first

    def test_each_failure_is_counted_on_commit(self, now, django_capture_on_commit_callbacks) -> None:
        broken = broken_version(code="renamed-feature")
        for i in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                interface.transaction_decide(txn=txn(f"c{i}"), now=now + timedelta(minutes=i))
        version = RuleVersion.objects.get(pk=broken)
        assert (version.error_count, version.last_error_at) == (3, now + timedelta(minutes=2))
        # The counter is not part of the version's audit trail: no history row per failure.
        assert version.history.count() == 1

    def test_the_failure_is_logged_with_the_rule_version(self, now, caplog) -> None:
        broken = broken_version(code="renamed-feature")
        with caplog.at_level(logging.ERROR, logger="apps.fraud.services.rules"):
            interface.transaction_decide(txn=txn("l1"), now=now)
        (record,) = [r for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == "fraud.rule_failed"]
        assert (record.msg["rule_version_id"], record.msg["rule"], record.msg["reference"]) == (
            broken,
            "renamed-feature",
            "l1",
        )
        assert record.msg["exc_info"] is True  # the traceback goes out with the line

    def test_the_sar_draft_names_the_rule_that_failed(self, now) -> None:
        broken_version(code="renamed-feature")
        decision = interface.transaction_decide(txn=txn("s1"), now=now)
        assert decision.alert_id is not None
        draft = alert_read.alert_sar_draft(alert_id=decision.alert_id)
        assert "rule renamed-feature v1 could not be evaluated: ConditionInvalid" in draft

    def test_after_the_fact_monitoring_opens_an_alert_that_holds_nothing(self, now) -> None:
        broken_version(code="renamed-feature")
        decision = interface.transaction_decide(txn=txn("ledger:1:2", posted=True), now=now)
        assert decision.outcome == "review"
        assert Alert.objects.get(pk=decision.alert_id).hold == Alert.Hold.NONE


class TestAShadowRuleThatRaises:
    def test_is_counted_but_never_decides(self, now, django_capture_on_commit_callbacks) -> None:
        broken = broken_version(code="shadow-broken", status=RuleVersion.Status.SHADOW)
        with django_capture_on_commit_callbacks(execute=True):
            decision = interface.transaction_decide(txn=txn("sh1"), now=now)
        assert (decision.outcome, decision.failed, decision.alert_id) == ("allow", (), None)
        assert RuleVersion.objects.get(pk=broken).error_count == 1


class TestEvaluation:
    def test_a_rule_that_raises_at_run_time_is_reported_and_the_rest_are_evaluated(self) -> None:
        def divide(features: Any) -> bool:
            return bool(features["amount_minor"] / 0)

        raising = CompiledRule(1, "divides", 3, 10, "d", False, divide)
        holding = CompiledRule(2, "always", 1, 20, "always", False, lambda f: True)
        result = rules.rules_evaluate(rules=[raising, holding], features={"amount_minor": 5}, reference="r")
        assert [r.code for r in result.fired] == ["always"]
        ((rule, failure),) = result.failed
        assert (rule.version_id, failure.code, failure.version) == (1, "divides", 3)
        assert failure.error == "ZeroDivisionError: division by zero"


class TestBacktest:
    def test_a_failing_version_is_reported_and_counts_as_a_review(self, now) -> None:
        for i in range(2):
            interface.transaction_decide(txn=txn(f"b{i}", counterparty_key=f"k{i}"), now=now)
        broken = broken_version(code="renamed-feature", status=RuleVersion.Status.DRAFT)
        run_id = backtests.backtest_run(
            rule_version_ids=[broken], since=now - timedelta(days=1), until=now + timedelta(days=1), now=now
        )
        from apps.fraud.models import BacktestRun

        result = BacktestRun.objects.get(pk=run_id).result
        assert result["failed_per_rule"] == {"renamed-feature v1": 2}
        assert result["outcomes"] == {"review": 2}
        # A back-test is not live traffic: the version's own counter is left alone.
        assert RuleVersion.objects.get(pk=broken).error_count == 0


class TestShownToAnalysts:
    @pytest.fixture
    def analyst(self, client: Client):
        user = get_user_model().objects.create_superuser(email="analyst@bank.test", password="x-Passw0rd-123")
        login_verified(client, user)
        return user

    def test_the_rule_list_filters_failing_versions_and_the_page_shows_the_error(
        self, client: Client, analyst, now, django_capture_on_commit_callbacks
    ) -> None:
        broken = broken_version(code="renamed-feature")
        rules.rule_version_create(code="healthy", condition="amount_minor > 1", score=1, description="ok", now=now)
        with django_capture_on_commit_callbacks(execute=True):
            interface.transaction_decide(txn=txn("a1"), now=now)
        page = client.get("/admin/fraud/ruleversion/", {"failing": "yes"}).content.decode()
        assert "renamed-feature" in page
        assert "healthy" not in page
        detail = client.get(f"/admin/fraud/ruleversion/{broken}/change/").content.decode()
        assert "unknown feature" in detail
        assert "renamed-feature v1" in client.get("/admin/fraud/monitoredtransaction/").content.decode()

    def test_metrics_count_the_failures_per_version(self, client: Client, now, django_capture_on_commit_callbacks):
        broken_version(code="renamed-feature")
        with django_capture_on_commit_callbacks(execute=True):
            interface.transaction_decide(txn=txn("m1"), now=now)
        text = client.get("/metrics").content.decode()
        assert 'bankcore_fraud_rule_errors{rule="renamed-feature",status="active",version="1"} 1.0' in text
