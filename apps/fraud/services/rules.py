"""Monitoring rules: versions, maker-checker activation, and evaluating a rule set on a transaction.

A rule that raises while it is evaluated is never skipped in silence: it is logged with its
version, counted on its version row (shown in the back office and on /metrics), and reported to
the caller, whose decision holds the payment for review (DESIGN.md §7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from django.db import transaction
from django.db.models import F

from apps.fraud.errors import FraudRefused
from apps.fraud.expressions import ConditionInvalid, compile_condition
from apps.fraud.features import CATALOGUE
from apps.fraud.models import Rule, RuleVersion
from apps.fraud.selectors.rules import CompiledRule
from apps.fraud.types import FailedRule, FiredRule

log = structlog.get_logger(__name__)

ACTIVATE_ACTION = "fraud.rule.activate"


def rule_condition_check(*, condition: str) -> None:
    """Raise ConditionInvalid unless ``condition`` parses over the feature catalogue."""
    compile_condition(condition, features=CATALOGUE)


@transaction.atomic
def rule_version_create(
    *, code: str, condition: str, score: int, description: str, now: datetime, created_by_id: int | None = None
) -> int:
    """Add a draft version of rule ``code`` (creating the rule if new); returns the version id."""
    rule_condition_check(condition=condition)
    if not description.strip():
        raise ConditionInvalid("Describe what the rule means.", code="rule_description_required")
    rule, _ = Rule.objects.get_or_create(code=code, defaults={"created_at": now})
    last = rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return RuleVersion.objects.create(
        rule=rule,
        number=last + 1,
        condition=condition.strip(),
        score=score,
        description=description.strip(),
        created_by_id=created_by_id,
        created_at=now,
    ).pk


def rule_activation_request(*, version_id: int, maker_id: int, reason: str, now: datetime) -> int:
    """Ask a second person to activate a draft (or shadow) version; returns the approval request id."""
    from bankcore.approvals import services as approvals

    with transaction.atomic():
        version = RuleVersion.objects.select_for_update().get(pk=version_id)
        if version.status not in (RuleVersion.Status.DRAFT, RuleVersion.Status.SHADOW):
            raise FraudRefused(f"Version is {version.status}; only drafts are activated.", code="not_draft")
        # The author is the maker: otherwise the author could approve another's request for
        # their own condition, and one person would have put a rule live.
        if version.created_by_id is not None and version.created_by_id != maker_id:
            raise FraudRefused(
                "Only the author of a version requests its activation.", code="author_requests_activation"
            )
        rule_condition_check(condition=version.condition)
        request_id = approvals.approval_request(
            action=ACTIVATE_ACTION,
            payload={"rule_version_id": version.pk, "condition": version.condition, "score": version.score},
            maker_id=maker_id,
            reason=reason,
            now=now,
        )
        version.status = RuleVersion.Status.PENDING
        version.save(update_fields=["status"])
    return request_id


@transaction.atomic
def rules_defaults_ensure(*, now: datetime) -> list[int]:
    """Bootstrap the starter rules as active versions where a rule does not exist yet.

    Only for an empty bank (demo data, benchmark): every later change goes through drafts and
    maker-checker activation.
    """
    from apps.fraud.default_rules import DEFAULT_RULES

    created = []
    for code, condition, score, description in DEFAULT_RULES:
        if Rule.objects.filter(code=code).exists():
            continue
        version_id = rule_version_create(code=code, condition=condition, score=score, description=description, now=now)
        RuleVersion.objects.filter(pk=version_id).update(status=RuleVersion.Status.ACTIVE, activated_at=now)
        created.append(version_id)
    return created


def rule_version_activate_approved(payload: dict[str, Any], *, now: datetime) -> None:
    """Approval handler: activate exactly the version (and content) the checker saw."""
    version = RuleVersion.objects.select_for_update().select_related("rule").get(pk=payload["rule_version_id"])
    if (version.condition, version.score) != (payload["condition"], payload["score"]):
        raise FraudRefused("The version changed after the request.", code="version_changed")
    if version.status != RuleVersion.Status.PENDING:
        # Retired (or otherwise moved) since the request: the approval no longer applies.
        raise FraudRefused(f"The version is {version.status}, no longer awaiting approval.", code="not_pending")
    RuleVersion.objects.filter(rule=version.rule, status=RuleVersion.Status.ACTIVE).update(
        status=RuleVersion.Status.RETIRED
    )
    version.status = RuleVersion.Status.ACTIVE
    version.activated_at = now
    version.save(update_fields=["status", "activated_at"])


@transaction.atomic
def rule_version_set_status(*, version_id: int, status: str) -> None:
    """Move a version between draft, shadow and retired (activation goes through approval)."""
    if status not in (RuleVersion.Status.DRAFT, RuleVersion.Status.SHADOW, RuleVersion.Status.RETIRED):
        raise FraudRefused("Activation needs a second person.", code="activation_needs_approval")
    version = RuleVersion.objects.select_for_update().get(pk=version_id)
    if version.status == RuleVersion.Status.PENDING and status != RuleVersion.Status.RETIRED:
        raise FraudRefused("The version awaits approval.", code="pending_approval")
    version.status = status
    version.save(update_fields=["status"])


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """What a rule set said about one transaction: the rules that held, and those that raised."""

    fired: list[FiredRule]
    failed: list[tuple[CompiledRule, FailedRule]]


def rules_evaluate(
    *, rules: Iterable[CompiledRule], features: dict[str, Any], reference: str = "", log_failures: bool = True
) -> Evaluation:
    """Which of ``rules`` hold on ``features``, and which raised instead of answering (logged here)."""
    fired: list[FiredRule] = []
    failed: list[tuple[CompiledRule, FailedRule]] = []
    for rule in rules:
        try:
            hit = bool(rule.evaluate(features))
        except Exception as exc:  # any defect of a rule: the caller holds the payment
            error = f"{type(exc).__name__}: {exc}"[:300]
            if log_failures:
                log.error(
                    "fraud.rule_failed",
                    rule_version_id=rule.version_id,
                    rule=rule.code,
                    version=rule.number,
                    shadow=rule.shadow,
                    reference=reference,
                    error=error,
                    exc_info=True,
                )
            failed.append((rule, FailedRule(rule.code, rule.number, error)))
            continue
        if hit:
            fired.append(FiredRule(rule.code, rule.number, rule.score, rule.description))
    return Evaluation(fired, failed)


def rule_errors_record(*, failed: Iterable[tuple[CompiledRule, FailedRule]], now: datetime) -> None:
    """Count the failures on their version rows, for the analysts (one atomic increment each)."""
    for rule, failure in failed:
        RuleVersion.objects.filter(pk=rule.version_id).update(
            error_count=F("error_count") + 1, last_error=failure.error, last_error_at=now
        )
