"""Back-tests: what a set of rule versions would have done over stored transactions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from apps.fraud.errors import FraudRefused
from apps.fraud.models import BacktestRun, MonitoredTransaction
from apps.fraud.selectors.decisions import transactions_between
from apps.fraud.selectors.rules import compiled_rules
from apps.fraud.services.decisions import decision_outcome
from apps.fraud.services.rules import rules_evaluate


def backtest_run(
    *, rule_version_ids: list[int], since: datetime, until: datetime, now: datetime, created_by_id: int | None = None
) -> int:
    """Replay ``rule_version_ids`` over the stored transactions of [since, until); never affects decisions.

    Each transaction is evaluated on the features stored with it, i.e. as they were when it was
    decided. The report counts what the set would have allowed / reviewed / blocked, per rule, and
    how that differs from the live decisions. A version that raises counts as it would live (the
    transaction is held for review) and is reported in ``failed_per_rule``, so a draft that cannot
    answer on real traffic is seen before it goes live.
    """
    if not rule_version_ids:
        raise FraudRefused("Choose at least one rule version.", code="no_rules")
    rules = compiled_rules(version_ids=rule_version_ids)
    outcomes: Counter[str] = Counter()
    per_rule: Counter[str] = Counter()
    failed_per_rule: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    flagged: list[str] = []
    evaluated = 0
    for txn in transactions_between(since=since, until=until):
        evaluated += 1
        # Failures are in the report, one line per version: a log line per stored transaction is noise.
        evaluation = rules_evaluate(rules=rules, features=txn.features, reference=txn.reference, log_failures=False)
        outcome = decision_outcome(score=sum(r.score for r in evaluation.fired), failed=bool(evaluation.failed))
        outcomes[outcome] += 1
        for rule in evaluation.fired:
            per_rule[f"{rule.code} v{rule.version}"] += 1
        for _rule, failure in evaluation.failed:
            failed_per_rule[f"{failure.code} v{failure.version}"] += 1
        if outcome != txn.outcome:
            changed[f"{txn.outcome}->{outcome}"] += 1
        if outcome != MonitoredTransaction.Outcome.ALLOW and len(flagged) < 100:
            flagged.append(txn.reference)
    result = {
        "evaluated": evaluated,
        "outcomes": dict(outcomes),
        "fired_per_rule": dict(per_rule),
        "failed_per_rule": dict(failed_per_rule),
        "changed_vs_live": dict(changed),
        "flagged_sample": flagged,
    }
    return BacktestRun.objects.create(
        rule_version_ids=rule_version_ids,
        since=since,
        until=until,
        created_at=now,
        created_by_id=created_by_id,
        result=result,
    ).pk
