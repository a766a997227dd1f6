"""Decisions: scoring a proposed transaction with the live rules before money moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

from apps.fraud import conf
from apps.fraud.errors import FraudRefused
from apps.fraud.features import Windows, build, is_near_limit
from apps.fraud.models import Alert, MonitoredTransaction, VelocityBucket
from apps.fraud.selectors.decisions import countries_paid, decision_inputs, references_decided
from apps.fraud.selectors.rules import rule_set
from apps.fraud.selectors.velocity import windows_many
from apps.fraud.services._sql import rows_insert
from apps.fraud.services.alerts import alert_open
from apps.fraud.services.rules import Evaluation, rule_errors_record, rules_evaluate
from apps.fraud.services.velocity import velocity_record, velocity_record_many
from apps.fraud.types import Decision, FailedRule, FiredRule, ProposedTransaction
from bankcore.bulk import row_insert

Outcome = MonitoredTransaction.Outcome
Scope = VelocityBucket.Scope


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


def _checked(txn: ProposedTransaction) -> None:
    if txn.amount.minor <= 0:
        raise FraudRefused("The amount must be positive.", code="amount_not_positive")
    _check_storable(txn)


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
    _checked(txn)
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
    alert_id = _alert_for(
        txn,
        outcome,
        score,
        fired_rows=fired_rows,
        failed=tuple(failed),
        features=features,
        record_id=record_id,
        now=now,
    )
    return Decision(record_id, outcome, score, tuple(live.fired), alert_id, failed)


def _alert_for(
    txn: ProposedTransaction,
    outcome: str,
    score: int,
    *,
    fired_rows: list[dict[str, Any]],
    failed: tuple[FailedRule, ...],
    features: dict[str, Any],
    record_id: int,
    now: datetime,
) -> int | None:
    """The alert a review or block opens (none for an allow), for the single and the bulk decision."""
    if outcome == Outcome.ALLOW:
        return None
    summary = f"{outcome}: {txn.reference} scored {score}"
    if failed:
        summary += "; could not evaluate " + ", ".join(f"{r.code} v{r.version}" for r in failed)
    details: dict[str, Any] = {"fired": fired_rows, "features": features}
    if failed:
        details["failed"] = [asdict(r) for r in failed]
    return alert_open(
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


@dataclass
class _Scored:
    txn: ProposedTransaction
    features: dict[str, Any]
    live: Evaluation
    shadow: Evaluation
    score: int
    outcome: str


def _grown(windows: Windows, *, amount_minor: int, near: bool) -> Windows:
    """The windows once a transaction at their own time is counted (its buckets are in every window)."""
    return Windows(
        count={w: n + 1 for w, n in windows.count.items()},
        sum_minor={w: n + amount_minor for w, n in windows.sum_minor.items()},
        near_limit_24h=windows.near_limit_24h + int(near),
    )


@transaction.atomic
def transactions_decide(*, txns: Sequence[ProposedTransaction], now: datetime) -> list[Decision | FraudRefused]:
    """``transaction_decide`` of each of ``txns`` in order, as if one by one, in a few statements.

    Per transaction its decision or the refusal the single call would raise. The windows are read
    once, before the first, and counted forward in memory: each transaction's features include
    the ones before it that the single path would have recorded (allowed and held ones, and blocked
    ones when posted). Decisions, velocity increments and new countries are written with one
    statement each; only a review or block opens its alert on its own. Transactions at different
    times, a reference given twice or one decided before are decided one by one, like the single call.
    """
    ats = {txn.occurred_at or now for txn in txns}
    references = [txn.reference for txn in txns]
    if len(ats) > 1 or len(set(references)) < len(references):
        return [_one(txn, now=now) for txn in txns]
    at = ats.pop() if ats else now
    answers: list[Decision | FraudRefused | None] = []
    scored: list[_Scored] = []
    for txn in txns:
        try:
            _checked(txn)
        except FraudRefused as refused:
            answers.append(refused)
            continue
        answers.append(None)
    decided_before = references_decided(
        references={t.reference for t, a in zip(txns, answers, strict=True) if a is None}
    )
    fresh = [t for t, a in zip(txns, answers, strict=True) if a is None and t.reference not in decided_before]
    parties = {(Scope.CUSTOMER.value, str(t.customer_id)) for t in fresh}
    parties |= {(Scope.COUNTERPARTY.value, t.counterparty_key) for t in fresh if t.counterparty_key}
    windows = windows_many(parties=parties, currencies={t.amount.currency for t in fresh}, at=at)
    paid = countries_paid(
        customer_ids={t.customer_id for t in fresh},
        countries={c for t in fresh if (c := t.counterparty_country.upper())},
    )
    rules = rule_set()
    moves: list[tuple[int, str, int, str]] = []
    new_countries: set[tuple[int, str]] = set()
    for txn in fresh:
        currency, country = txn.amount.currency, txn.counterparty_country.upper()
        customer_key = (Scope.CUSTOMER.value, str(txn.customer_id), currency)
        party_key = (Scope.COUNTERPARTY.value, txn.counterparty_key, currency)
        first_to_country = bool(country) and (txn.customer_id, country) not in paid
        features = build(
            txn=txn, at=at, customer=windows.get(customer_key, Windows.empty()),
            counterparty=windows.get(party_key, Windows.empty()) if txn.counterparty_key else Windows.empty(),
            first_to_country=first_to_country,
        )  # fmt: skip
        live = rules_evaluate(rules=rules.live, features=features, reference=txn.reference)
        shadow = rules_evaluate(rules=rules.shadow, features=features, reference=txn.reference)
        score = sum(r.score for r in live.fired)
        outcome = decision_outcome(score=score, failed=bool(live.failed))
        scored.append(_Scored(txn, features, live, shadow, score, outcome))
        if outcome != Outcome.BLOCK or txn.posted:
            near = is_near_limit(txn.amount.minor)
            for key in (customer_key, party_key) if txn.counterparty_key else (customer_key,):
                windows[key] = _grown(windows.get(key, Windows.empty()), amount_minor=txn.amount.minor, near=near)
            moves.append((txn.customer_id, txn.counterparty_key, txn.amount.minor, currency))
            if first_to_country:
                paid.add((txn.customer_id, country))
                new_countries.add((txn.customer_id, country))
    ids = rows_insert(MonitoredTransaction, [_row(s, at=at) for s in scored])
    failures = [f for s in scored for f in (*s.live.failed, *s.shadow.failed)]
    if failures:
        transaction.on_commit(partial(rule_errors_record, failed=failures, now=now), robust=True)
    if moves:
        velocity_record_many(moves=moves, countries=new_countries, at=at)
    made = {s.txn.reference: _decided(s, record_id, now=now) for s, record_id in zip(scored, ids, strict=True)}
    return [
        answer if answer is not None else made.get(txn.reference) or _one(txn, now=now)
        for txn, answer in zip(txns, answers, strict=True)
    ]


def _one(txn: ProposedTransaction, *, now: datetime) -> Decision | FraudRefused:
    try:
        return transaction_decide(txn=txn, now=now)
    except FraudRefused as refused:
        return refused


def _row(scored: _Scored, *, at: datetime) -> dict[str, Any]:
    txn = scored.txn
    return {
        "reference": txn.reference,
        "customer_id": txn.customer_id,
        "counterparty_key": txn.counterparty_key,
        "amount_minor": txn.amount.minor,
        "currency": txn.amount.currency,
        "occurred_at": at,
        "features": scored.features,
        "outcome": scored.outcome,
        "score": scored.score,
        "fired": [asdict(r) for r in scored.live.fired],
        "shadow_fired": [asdict(r) for r in scored.shadow.fired],
        "failed": [asdict(f) for _rule, f in scored.live.failed],
    }


def _decided(scored: _Scored, record_id: int, *, now: datetime) -> Decision:
    txn, outcome, score = scored.txn, scored.outcome, scored.score
    failed = tuple(failure for _rule, failure in scored.live.failed)
    alert_id = _alert_for(
        txn, outcome, score, fired_rows=[asdict(r) for r in scored.live.fired], failed=failed,
        features=scored.features, record_id=record_id, now=now,
    )  # fmt: skip
    return Decision(record_id, outcome, score, tuple(scored.live.fired), alert_id, failed)
