"""Decisions: scoring a proposed transaction with the live rules before money moves."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

from apps.fraud import conf
from apps.fraud.errors import FraudRefused
from apps.fraud.features import build
from apps.fraud.models import Alert, MonitoredTransaction
from apps.fraud.selectors.decisions import decision_inputs
from apps.fraud.selectors.rules import rule_set
from apps.fraud.services._sql import row_insert
from apps.fraud.services.alerts import alert_open
from apps.fraud.services.rules import rule_errors_record, rules_evaluate
from apps.fraud.services.velocity import velocity_record
from apps.fraud.types import Decision, FailedRule, FiredRule, ProposedTransaction

Outcome = MonitoredTransaction.Outcome


def decision_outcome(*, score: int, failed: bool = False) -> str:
    """The outcome of a total score; a live rule that failed makes it at least a review.

    A rule that could not answer might have fired: letting the payment through on the others'
    silence would let an error decide (DESIGN.md §7: a rule error holds the payment).
    """
    if score >= int(conf.get("FRAUD_BLOCK_SCORE")):
        return Outcome.BLOCK
    if failed or score >= int(conf.get("FRAUD_REVIEW_SCORE")):
        return Outcome.REVIEW
    return Outcome.ALLOW


def _decision_from(txn: MonitoredTransaction, alert_id: int | None) -> Decision:
    fired = tuple(FiredRule(f["code"], f["version"], f["score"], f["description"]) for f in txn.fired)
    failed = tuple(FailedRule(f["code"], f["version"], f["error"]) for f in txn.failed)
    return Decision(txn.pk, txn.outcome, txn.score, fired, alert_id, failed)


def _check_storable(txn: ProposedTransaction) -> None:
    """Refuse what the decision's columns cannot hold (PostgreSQL: NUL, sizes, BIGINT)."""
    if not txn.reference.strip() or len(txn.reference) > 100 or "\x00" in txn.reference:
        raise FraudRefused("The reference is 1 to 100 characters.", code="invalid_reference")
    if not -(2**63) <= txn.customer_id < 2**63:
        raise FraudRefused(f"No customer {txn.customer_id}.", code="invalid_customer")
    if len(txn.counterparty_key) > 100 or "\x00" in txn.counterparty_key:
        raise FraudRefused("The counterparty key is at most 100 characters.", code="invalid_counterparty")
    country = txn.counterparty_country
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise FraudRefused(f"{country[:10]!r} is not an ISO 3166 alpha-2 code.", code="invalid_country")


@transaction.atomic
def transaction_decide(*, txn: ProposedTransaction, now: datetime) -> Decision:
    """Score a proposed transaction with every active rule: allow, review (hold) or block.

    Features come from the incremental aggregates (no history scan). The decision, the features
    as they were and the rules that fired are stored; a review or block opens an alert. Deciding
    the same reference twice returns the first decision. Allowed and held transactions count in
    the velocity aggregates (a held payment is still an attempt to move money); blocked ones do not.
    A live rule that raises while evaluated makes the decision at least a review, and is counted
    on its version once the decision commits.

    The hot path is four statements: one read (stored decision, windows, countries, rule-set
    version), the decision row, the bucket upsert and, for a first payment to a country, its row.
    """
    if txn.amount.minor <= 0:
        raise FraudRefused("The amount must be positive.", code="amount_not_positive")
    _check_storable(txn)
    at = txn.occurred_at or now
    currency = txn.amount.currency
    country = txn.counterparty_country.upper()
    inputs = decision_inputs(
        reference=txn.reference,
        customer_id=txn.customer_id,
        counterparty_key=txn.counterparty_key,
        country=country,
        currency=currency,
        at=at,
    )
    if inputs.previous_id is not None:
        previous = MonitoredTransaction.objects.get(pk=inputs.previous_id)
        # A replay is the same transaction again; another one under a used reference would
        # otherwise pass on the first one's decision without being scored.
        asked = (txn.customer_id, txn.counterparty_key, txn.amount.minor, currency)
        if (previous.customer_id, previous.counterparty_key, previous.amount_minor, previous.currency) != asked:
            raise FraudRefused(
                f"Reference {txn.reference!r} was decided for another transaction.", code="reference_conflict"
            )
        alert = Alert.objects.filter(transaction=previous).values_list("pk", flat=True).first()
        return _decision_from(previous, alert)
    first_to_country = bool(country) and not inputs.paid_country_before
    features = build(
        txn=txn,
        at=at,
        customer=inputs.customer,
        counterparty=inputs.counterparty,
        first_to_country=first_to_country,
    )
    rules = rule_set(key=inputs.rules_key)
    live = rules_evaluate(rules=rules.live, features=features, reference=txn.reference)
    shadow = rules_evaluate(rules=rules.shadow, features=features, reference=txn.reference)
    failed = tuple(failure for _rule, failure in live.failed)
    score = sum(r.score for r in live.fired)
    outcome = decision_outcome(score=score, failed=bool(failed))
    fired_rows = [asdict(r) for r in live.fired]
    failed_rows = [asdict(r) for r in failed]
    record_id = row_insert(
        MonitoredTransaction,
        {
            "reference": txn.reference,
            "customer_id": txn.customer_id,
            "counterparty_key": txn.counterparty_key,
            "amount_minor": txn.amount.minor,
            "currency": currency,
            "occurred_at": at,
            "features": features,
            "outcome": outcome,
            "score": score,
            "fired": fired_rows,
            "shadow_fired": [asdict(r) for r in shadow.fired],
            "failed": failed_rows,
        },
    )
    assert record_id is not None  # no conflict clause: a reference taken meanwhile raises
    if live.failed or shadow.failed:
        # After commit, so the payment path never waits on a version row that every decision
        # would lock while the rule stays broken.
        transaction.on_commit(partial(rule_errors_record, failed=[*live.failed, *shadow.failed], now=now), robust=True)
    if outcome != Outcome.BLOCK or txn.posted:
        velocity_record(
            customer_id=txn.customer_id,
            counterparty_key=txn.counterparty_key,
            # The country row exists already unless this is the first payment there.
            country=country if first_to_country else "",
            amount_minor=txn.amount.minor,
            currency=currency,
            at=at,
        )
    alert_id = None
    if outcome != Outcome.ALLOW:
        summary = f"{outcome}: {txn.reference} scored {score}"
        if failed:
            summary += "; could not evaluate " + ", ".join(f"{r.code} v{r.version}" for r in failed)
        details: dict[str, Any] = {"fired": fired_rows, "features": features}
        if failed:
            details["failed"] = failed_rows
        alert_id = alert_open(
            kind=Alert.Kind.TRANSACTION,
            summary=summary,
            score=score,
            details=details,
            dedupe_key=f"txn:{txn.reference}",
            now=now,
            customer_id=txn.customer_id,
            transaction_id=record_id,
            payment_ref=txn.reference if outcome == Outcome.REVIEW and not txn.posted else "",
            new_finding=True,  # the decision row is new: no alert of it can exist yet
        )
    return Decision(record_id, outcome, score, tuple(live.fired), alert_id, failed)
