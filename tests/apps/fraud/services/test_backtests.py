"""Back-tests replay stored features and never touch live decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.fraud import interface
from apps.fraud.models import BacktestRun, RuleVersion
from apps.fraud.services import backtests, rules
from tests.apps.fraud.factories import txn

pytestmark = pytest.mark.django_db


class TestBacktest:
    def test_backtest_replays_stored_features(self, starter_rules, now) -> None:
        for i, amount in enumerate(["10.00", "2500.00", "7000.00"]):
            interface.transaction_decide(txn=txn(f"b{i}", amount, counterparty_key=f"k{i}"), now=now)
        draft = rules.rule_version_create(
            code="draft-2000", condition="amount_minor >= 200000", score=50, description="d", now=now
        )
        run_id = backtests.backtest_run(
            rule_version_ids=[draft], since=now - timedelta(days=1), until=now + timedelta(days=1), now=now
        )
        result = BacktestRun.objects.get(pk=run_id).result
        assert result["evaluated"] == 3
        assert result["outcomes"] == {"allow": 1, "review": 2}
        assert result["fired_per_rule"] == {"draft-2000 v1": 2}
        assert result["changed_vs_live"] == {"allow->review": 2}
        assert sorted(result["flagged_sample"]) == ["b1", "b2"]
        assert RuleVersion.objects.get(pk=draft).status == "draft"  # live decisions untouched
