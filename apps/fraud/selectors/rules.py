"""Reads of the monitoring rules: the live rule set, compiled once per process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from apps.fraud.expressions import ConditionInvalid, Evaluator, compile_condition
from apps.fraud.features import CATALOGUE
from apps.fraud.models import RuleVersion

Status = RuleVersion.Status


@dataclass(frozen=True)
class CompiledRule:
    version_id: int
    code: str
    number: int
    score: int
    description: str
    shadow: bool
    evaluate: Evaluator


@dataclass(frozen=True)
class RuleSet:
    """The live rule versions, compiled: those that decide and those that only run in shadow."""

    key: str
    live: tuple[CompiledRule, ...]
    shadow: tuple[CompiledRule, ...]


_rules_lock = threading.Lock()
_rules_cache: RuleSet | None = None


def rules_key_sql() -> str:
    """The rule set's version: the ids and statuses of the live versions, as one string.

    Exact (any activation, retirement or move to shadow changes it, however it was written, and a
    rolled-back change never leaves a stale key behind) and a single scan of a small table.
    """
    table = RuleVersion._meta.db_table
    live = f"status IN ('{Status.ACTIVE}', '{Status.SHADOW}')"
    if connection.vendor == "postgresql":
        return f"SELECT string_agg(id::text || status, ',' ORDER BY id) FROM {table} WHERE {live}"  # noqa: S608
    return f"SELECT group_concat(id || status, ',') FROM (SELECT id, status FROM {table} WHERE {live} ORDER BY id)"  # noqa: S608


def rule_set(*, key: str | None = None) -> RuleSet:
    """The live rule set, compiled once per process and recompiled when its version ``key`` changes.

    Pass the key when it was read already (``decision_inputs`` reads it with everything else);
    otherwise it is read here with one small query. Activation takes effect on the next decision.
    """
    global _rules_cache
    if key is None:
        with connection.cursor() as cursor:
            cursor.execute(rules_key_sql())
            key = cursor.fetchone()[0] or ""
    cached = _rules_cache
    if cached is not None and cached.key == key:
        return cached
    with _rules_lock:
        live = RuleVersion.objects.filter(status__in=[Status.ACTIVE, Status.SHADOW])
        rules = [
            _compile(v, shadow=v.status == Status.SHADOW) for v in live.select_related("rule").order_by("rule__code")
        ]
        # The key is of the rows just compiled: a change committed in between only costs a recompile.
        current = ",".join(
            f"{r.version_id}{Status.SHADOW if r.shadow else Status.ACTIVE}"
            for r in sorted(rules, key=lambda r: r.version_id)
        )
        built = RuleSet(
            key=current,
            live=tuple(r for r in rules if not r.shadow),
            shadow=tuple(r for r in rules if r.shadow),
        )
        _rules_cache = built
    return built


def compiled_rules(*, version_ids: list[int]) -> list[CompiledRule]:
    """Exactly the rule versions ``version_ids``, compiled, whatever their status (for back-tests)."""
    qs = RuleVersion.objects.filter(pk__in=version_ids).select_related("rule")
    return [_compile(v, shadow=False) for v in qs]


def _compile(version: RuleVersion, *, shadow: bool) -> CompiledRule:
    try:
        evaluate = compile_condition(version.condition, features=CATALOGUE)
    except ConditionInvalid as exc:
        # Checked when saved, so only a later change of the catalogue or the language gets here:
        # the version stays in the set and fails each evaluation, which holds the payment.
        evaluate = _failing(exc)
    return CompiledRule(
        version_id=version.pk,
        code=version.rule.code,
        number=version.number,
        score=version.score,
        description=version.description,
        shadow=shadow,
        evaluate=evaluate,
    )


def _failing(error: ConditionInvalid) -> Evaluator:
    message = f"the condition no longer compiles: {error}"

    def evaluate(features: Mapping[str, Any]) -> Any:
        raise ConditionInvalid(message)

    return evaluate
