"""Writes: list import, screening and re-screening, alerts and cases, rules, decisions, back-tests."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from apps.fraud import conf, selectors
from apps.fraud import events as fraud_events
from apps.fraud.expressions import ConditionInvalid, compile_condition
from apps.fraud.features import CATALOGUE, build, is_near_limit
from apps.fraud.models import (
    Alert,
    AlertNote,
    BacktestRun,
    CustomerCountry,
    MonitoredTransaction,
    RescreenRun,
    Rule,
    RuleVersion,
    SanctionsEntry,
    SanctionsListVersion,
    ScreenedSubject,
    VelocityBucket,
)
from apps.fraud.ofac import SanctionsFileInvalid, files_version, read_ofac
from apps.fraud.types import Decision, FiredRule, ImportReport, ProposedTransaction, SanctionsMatch, ScreeningOutcome
from bankcore.errors import DomainError
from bankcore.events import publish
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money


class FraudRefused(DomainError):
    """The fraud back office refused the action; ``code`` says why."""

    code = "fraud_refused"


# --- sanctions list import --------------------------------------------------------------------

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]  # (iterable, total, label) -> iterable


def _no_progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    return items


def sanctions_import(*, source: str, directory: Path, now: datetime, progress: Progress = _no_progress) -> ImportReport:
    """Load a list from ``directory``; all or nothing, idempotent. Raises SanctionsFileInvalid.

    The files are read and checked whole before anything is written. Importing the same files
    again changes nothing and reports ``already_current``. A changed list gets a new version row
    with the added / changed / removed counts and publishes ``fraud.sanctions.list_updated``, whose
    handler starts the re-screen of every customer and beneficiary once the import has committed.
    """
    if source != "ofac":
        raise SanctionsFileInvalid(f"unknown list {source!r} (known: ofac)", code="unknown_list")
    parsed = read_ofac(directory)
    with transaction.atomic():
        current = selectors.sanctions_version_current(source=source)
        existing = dict(SanctionsEntry.objects.filter(source=source).values_list("source_id", "content_hash"))
        records: dict[int, tuple[dict[str, Any], str]] = {}
        for source_id, entry in progress(parsed.entries.items(), len(parsed.entries), "checking"):
            record = entry.as_record()
            digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
            records[source_id] = (record, digest)
        added = [sid for sid in records if sid not in existing]
        changed = [sid for sid in records if sid in existing and existing[sid] != records[sid][1]]
        removed = [sid for sid in existing if sid not in records]
        if current == parsed.version or (not (added or changed or removed) and current):
            return ImportReport(source, current, str(parsed.list_date), len(records), 0, 0, 0, already_current=True)
        version = SanctionsListVersion.objects.create(
            source=source,
            version=parsed.version,
            list_date=parsed.list_date,
            imported_at=now,
            entry_count=len(records),
            added=len(added),
            changed=len(changed),
            removed=len(removed),
        )
        SanctionsEntry.objects.filter(source=source, source_id__in=removed).delete()
        new_rows = [
            SanctionsEntry(
                source=source, source_id=sid, content_hash=records[sid][1], updated_in=version, **records[sid][0]
            )
            for sid in added
        ]
        for start in progress(range(0, len(new_rows), 1000), (len(new_rows) + 999) // 1000, "adding"):
            SanctionsEntry.objects.bulk_create(new_rows[start : start + 1000])
        if changed:
            rows = list(SanctionsEntry.objects.filter(source=source, source_id__in=changed))
            for row in rows:
                record, digest = records[row.source_id]
                for name, value in record.items():
                    setattr(row, name, value)
                row.content_hash = digest
                row.updated_in = version
            SanctionsEntry.objects.bulk_update(rows, [*record.keys(), "content_hash", "updated_in"], batch_size=500)
        publish(fraud_events.SANCTIONS_LIST_UPDATED, {"source": source, "version": parsed.version})
        transaction.on_commit(selectors.sanctions_index_forget)
    return ImportReport(
        source, parsed.version, str(parsed.list_date), len(records), len(added), len(changed), len(removed), False
    )


def sanctions_demo_ensure(*, directory: Path, now: datetime) -> ImportReport:
    """Import ``directory`` unless its files are the version in force already (cheap re-run)."""
    version = files_version(directory)
    current = SanctionsListVersion.objects.filter(source="ofac").order_by("-imported_at", "-id").first()
    if current is not None and current.version == version:
        return ImportReport("ofac", version, str(current.list_date), current.entry_count, 0, 0, 0, already_current=True)
    return sanctions_import(source="ofac", directory=directory, now=now)


# --- screening ----------------------------------------------------------------------------------


def _match_payload(match: SanctionsMatch) -> dict[str, Any]:
    return asdict(match)


def subject_register(
    *,
    kind: str,
    ref: str,
    name: str,
    now: datetime,
    customer_id: int | None = None,
    party_kind: str = "",
    birth_year: int | None = None,
    country: str = "",
) -> int:
    """Record (or update) a party to keep screened; returns the subject id."""
    if kind not in ScreenedSubject.Kind.values:
        raise FraudRefused(f"unknown subject kind {kind!r}", code="unknown_subject_kind")
    if not name.strip():
        raise FraudRefused("a name is required to screen a party", code="name_required")
    # What the columns can hold: PostgreSQL refuses NUL in text and values beyond a column's size.
    if "\x00" in name or "\x00" in country:
        raise FraudRefused("the name or country contains a NUL character", code="invalid_name")
    if not ref.strip() or len(ref) > 100 or "\x00" in ref:
        raise FraudRefused("the reference is 1 to 100 characters", code="invalid_ref")
    if len(party_kind) > 20 or "\x00" in party_kind:
        raise FraudRefused(f"unknown party kind {party_kind[:20]!r}", code="invalid_party_kind")
    if birth_year is not None and not 1000 <= birth_year <= 9999:
        raise FraudRefused(f"{birth_year} is not a birth year", code="invalid_birth_year")
    party = {
        "name": name.strip()[:500],
        "customer_id": customer_id,
        "party_kind": party_kind,
        "birth_year": birth_year,
        "country": country.upper()[:2],
    }
    subject, _ = ScreenedSubject.objects.update_or_create(
        kind=kind, ref=ref, defaults=party, create_defaults={**party, "created_at": now}
    )
    return subject.pk


@transaction.atomic
def subject_screen(*, subject_id: int, now: datetime, payment_ref: str = "") -> ScreeningOutcome:
    """Screen one registered party; a hit opens an alert (and holds ``payment_ref`` if given).

    Safe to run twice: an open alert for the same subject and entries is reused, not duplicated.
    """
    subject = ScreenedSubject.objects.select_for_update().get(pk=subject_id)
    outcome = _screen(subject, now=now, version=selectors.sanctions_index().version, payment_ref=payment_ref)
    subject.save(update_fields=["screened_at", "screened_version", "best_score"])
    return outcome


def _screen(subject: ScreenedSubject, *, now: datetime, version: str, payment_ref: str = "") -> ScreeningOutcome:
    """Screen ``subject`` (fields updated in memory, the caller saves) and open an alert on a hit."""
    matches = selectors.sanctions_screen(
        name=subject.name,
        kind=subject.party_kind or None,
        birth_year=subject.birth_year,
        country=subject.country or None,
    )
    subject.screened_at = now
    subject.screened_version = version
    subject.best_score = matches[0].score if matches else None
    alert_id = None
    if matches:
        ids = ",".join(str(m.source_id) for m in sorted(matches, key=lambda m: m.source_id))
        alert_id = alert_open(
            kind=Alert.Kind.SANCTIONS,
            summary=f"{subject.get_kind_display()} {subject.name!r} resembles {matches[0].listed_name!r}",
            score=matches[0].score,
            details={"matches": [_match_payload(m) for m in matches]},
            dedupe_key=f"sanctions:{subject.kind}:{subject.ref}:{ids}",
            now=now,
            customer_id=subject.customer_id,
            subject_id=subject.pk,
            payment_ref=payment_ref,
        )
    return ScreeningOutcome(subject_id=subject.pk, matches=tuple(matches), alert_id=alert_id)


def rescreen_start(*, list_version: str, now: datetime) -> int:
    """Start (or return the running) re-screen of every customer and beneficiary."""
    with transaction.atomic():
        running = RescreenRun.objects.filter(list_version=list_version, status=RescreenRun.Status.RUNNING).first()
        if running is not None:
            return running.pk
        total = ScreenedSubject.objects.filter(kind__in=_RESCREENED).count()
        run = RescreenRun.objects.create(list_version=list_version, total=total, started_at=now, updated_at=now)
        return run.pk


_RESCREENED = (ScreenedSubject.Kind.CUSTOMER, ScreenedSubject.Kind.BENEFICIARY)


def rescreen_continue(*, run_id: int, now: datetime, chunk: int | None = None) -> bool:
    """Screen the next chunk of a re-screen; returns True when more remain.

    The cursor (last subject id) is saved with the chunk's results in one transaction, so a
    crash repeats at most one chunk and alerts are deduplicated anyway.
    """
    size = int(chunk or conf.get("FRAUD_RESCREEN_CHUNK"))
    with transaction.atomic():
        run = RescreenRun.objects.select_for_update().get(pk=run_id)
        if run.status == RescreenRun.Status.DONE:
            return False
        subjects = list(
            ScreenedSubject.objects.filter(kind__in=_RESCREENED, pk__gt=run.last_subject_id).order_by("pk")[:size]
        )
        version = selectors.sanctions_index().version
        hit_subjects = [subject for subject in subjects if _screen(subject, now=now, version=version).matches]
        hits = len(hit_subjects)
        # Nearly every subject is clean: one UPDATE for all of them, one per (rare) hit.
        clean = [subject.pk for subject in subjects if subject.best_score is None]
        ScreenedSubject.objects.filter(pk__in=clean).update(screened_at=now, screened_version=version, best_score=None)
        for subject in hit_subjects:
            subject.save(update_fields=["screened_at", "screened_version", "best_score"])
        run.processed += len(subjects)
        run.hits += hits
        run.updated_at = now
        if subjects:
            run.last_subject_id = subjects[-1].pk
        if len(subjects) < size:
            run.status = RescreenRun.Status.DONE
            run.finished_at = now
            run.total = max(run.total, run.processed)
        run.save()
        return run.status == RescreenRun.Status.RUNNING


def rescreen_stalled(*, now: datetime, after: timedelta = timedelta(minutes=10)) -> list[int]:
    """Running re-screens that made no progress for ``after`` (their task chain was lost)."""
    return list(
        RescreenRun.objects.filter(status=RescreenRun.Status.RUNNING, updated_at__lt=now - after).values_list(
            "pk", flat=True
        )
    )


# --- alerts and cases ---------------------------------------------------------------------------


def alert_open(
    *,
    kind: str,
    summary: str,
    score: float,
    details: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    customer_id: int | None = None,
    subject_id: int | None = None,
    transaction_id: int | None = None,
    payment_ref: str = "",
) -> int:
    """Open an alert (or return the open one for the same finding); holds ``payment_ref`` if given.

    Publishes ``fraud.alert.opened``; with a payment it says ``hold: true`` and payments holds it.
    """
    existing = Alert.objects.filter(dedupe_key=dedupe_key).exclude(status=Alert.Status.CLOSED).first()
    if existing is not None:
        return existing.pk
    return _alert_insert(
        kind=kind,
        summary=summary,
        score=score,
        details=details,
        dedupe_key=dedupe_key,
        now=now,
        customer_id=customer_id,
        subject_id=subject_id,
        transaction_id=transaction_id,
        payment_ref=payment_ref,
    )


def _alert_insert(
    *,
    kind: str,
    summary: str,
    score: float,
    details: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    customer_id: int | None,
    subject_id: int | None = None,
    transaction_id: int | None = None,
    payment_ref: str = "",
) -> int:
    """Create the alert and publish ``fraud.alert.opened``; an open alert with the key wins.

    The partial unique index on open alerts' ``dedupe_key`` is the real guard: when an open alert
    for the same finding exists (opened earlier or by a concurrent worker) the insert does nothing
    and that alert is returned. Three statements (alert, its history row, the event), no savepoint.
    """
    values = {
        "kind": kind,
        "summary": summary[:300],
        "score": score,
        "details": details,
        "dedupe_key": dedupe_key[:200],
        "opened_at": now,
        "customer_id": customer_id,
        "subject_id": subject_id,
        "transaction_id": transaction_id,
        "payment_ref": payment_ref,
        "hold": Alert.Hold.HELD if payment_ref else Alert.Hold.NONE,
    }
    alert_id = _row_insert(Alert, values, skip_conflicts=True)
    if alert_id is None:
        return Alert.objects.filter(dedupe_key=dedupe_key[:200]).exclude(status=Alert.Status.CLOSED).get().pk
    # The audit trail starts with the alert as it was opened, by the system (no user).
    Alert.history.bulk_history_create([Alert(pk=alert_id, **values)], default_date=timezone.now())
    alert = Alert(pk=alert_id)
    publish(
        fraud_events.ALERT_OPENED,
        {
            "alert_id": alert.pk,
            "kind": kind,
            "customer_id": customer_id,
            "payment_ref": payment_ref or None,
            "hold": bool(payment_ref),
        },
    )
    return alert.pk


def _alert_lock(alert_id: int) -> Alert:
    try:
        return Alert.objects.select_for_update().get(pk=alert_id)
    except Alert.DoesNotExist:
        raise FraudRefused("No such alert.", code="alert_not_found") from None


@transaction.atomic
def alert_assign(*, alert_id: int, assignee_id: int | None, now: datetime) -> None:
    """Give the case to an analyst (None puts it back in the queue)."""
    alert = _alert_lock(alert_id)
    if alert.status == Alert.Status.CLOSED:
        raise FraudRefused("The case is closed.", code="alert_closed")
    alert.assignee_id = assignee_id
    if assignee_id is not None and alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.IN_REVIEW
    alert.save(update_fields=["assignee", "status"])


@transaction.atomic
def alert_note_add(*, alert_id: int, author_id: int | None, body: str, now: datetime) -> int:
    if not body.strip():
        raise FraudRefused("A note cannot be empty.", code="note_empty")
    _alert_lock(alert_id)
    return AlertNote.objects.create(alert_id=alert_id, author_id=author_id, body=body.strip(), created_at=now).pk


@transaction.atomic
def alert_close(*, alert_id: int, outcome: str, closed_by_id: int | None, now: datetime, note: str = "") -> None:
    """Record the outcome. "escalated" keeps the case open for compliance; the others close it.

    A payment still held is released on a false positive and rejected on confirmed fraud.
    """
    alert = _alert_lock(alert_id)
    if outcome not in (Alert.Outcome.CONFIRMED_FRAUD, Alert.Outcome.FALSE_POSITIVE, Alert.Outcome.ESCALATED):
        raise FraudRefused(f"unknown outcome {outcome!r}", code="unknown_outcome")
    if alert.status == Alert.Status.CLOSED:
        raise FraudRefused("The case is already closed.", code="alert_closed")
    if note.strip():
        AlertNote.objects.create(alert=alert, author_id=closed_by_id, body=note.strip(), created_at=now)
    alert.outcome = outcome
    if outcome == Alert.Outcome.ESCALATED:
        alert.status = Alert.Status.ESCALATED
        alert.save(update_fields=["outcome", "status"])
        publish(fraud_events.ALERT_ESCALATED, {"alert_id": alert.pk, "customer_id": alert.customer_id})
        return
    if alert.hold == Alert.Hold.HELD:
        _settle_hold(alert, release=outcome == Alert.Outcome.FALSE_POSITIVE, by_id=closed_by_id)
    alert.status = Alert.Status.CLOSED
    alert.closed_at = now
    alert.save(update_fields=["outcome", "status", "closed_at", "hold"])
    publish(fraud_events.ALERT_CLOSED, {"alert_id": alert.pk, "outcome": outcome, "customer_id": alert.customer_id})


def _settle_hold(alert: Alert, *, release: bool, by_id: int | None) -> None:
    alert.hold = Alert.Hold.RELEASED if release else Alert.Hold.REJECTED
    publish(
        fraud_events.CASE_RELEASED if release else fraud_events.CASE_REJECTED,
        {"alert_id": alert.pk, "payment_ref": alert.payment_ref, "customer_id": alert.customer_id, "by_id": by_id},
    )


@transaction.atomic
def alert_payment_decide(*, alert_id: int, release: bool, by_id: int | None, now: datetime) -> None:
    """Release or reject the payment the alert holds (payments acts on the published event)."""
    alert = _alert_lock(alert_id)
    if alert.hold != Alert.Hold.HELD:
        raise FraudRefused("This case holds no payment.", code="nothing_held")
    _settle_hold(alert, release=release, by_id=by_id)
    alert.save(update_fields=["hold"])
    verb = "released" if release else "rejected"
    AlertNote.objects.create(alert=alert, author_id=by_id, body=f"Payment {alert.payment_ref} {verb}.", created_at=now)


# --- rules --------------------------------------------------------------------------------------

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


# --- decisions ------------------------------------------------------------------------------------


def _evaluate(rules: Iterable[selectors.CompiledRule], features: dict[str, Any]) -> list[FiredRule]:
    fired = []
    for rule in rules:
        try:
            hit = bool(rule.evaluate(features))
        except Exception:
            hit = False
        if hit:
            fired.append(FiredRule(rule.code, rule.number, rule.score, rule.description))
    return fired


def _outcome(score: int) -> str:
    if score >= int(conf.get("FRAUD_BLOCK_SCORE")):
        return MonitoredTransaction.Outcome.BLOCK
    if score >= int(conf.get("FRAUD_REVIEW_SCORE")):
        return MonitoredTransaction.Outcome.REVIEW
    return MonitoredTransaction.Outcome.ALLOW


def _decision_from(txn: MonitoredTransaction, alert_id: int | None) -> Decision:
    fired = tuple(FiredRule(f["code"], f["version"], f["score"], f["description"]) for f in txn.fired)
    return Decision(txn.pk, txn.outcome, txn.score, fired, alert_id)


def _row_insert(model: type[models.Model], values: dict[str, Any], *, skip_conflicts: bool = False) -> int | None:
    """Insert one row with a single plain statement; returns its id (None: a unique key was taken).

    For the payment path, where the ORM's create() spent more time building the statement than
    the database took to run it. Every concrete field is written, from ``values`` or the field's
    default, through the field's own conversion: the row is exactly what create() would store
    (JSON as jsonb on Postgres, text on SQLite). No signals are sent.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = []
    for field in fields:
        value = values[field.attname] if field.attname in values else values.get(field.name, field.get_default())
        params.append(field.get_db_prep_save(value, connection))
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(str(f.column) for f in fields)}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join(['%s'] * len(fields))}){conflicts} RETURNING {model._meta.pk.column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


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

    The hot path is four statements: one read (stored decision, windows, countries, rule-set
    version), the decision row, the bucket upsert and, for a first payment to a country, its row.
    """
    if txn.amount.minor <= 0:
        raise FraudRefused("The amount must be positive.", code="amount_not_positive")
    _check_storable(txn)
    at = txn.occurred_at or now
    currency = txn.amount.currency
    country = txn.counterparty_country.upper()
    inputs = selectors.decision_inputs(
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
    rules = selectors.rule_set(key=inputs.rules_key)
    fired = _evaluate(rules.live, features)
    shadow = _evaluate(rules.shadow, features)
    score = sum(r.score for r in fired)
    outcome = _outcome(score)
    fired_rows = [asdict(r) for r in fired]
    record_id = _row_insert(
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
            "shadow_fired": [asdict(r) for r in shadow],
        },
    )
    assert record_id is not None  # no conflict clause: a reference taken meanwhile raises
    if outcome != MonitoredTransaction.Outcome.BLOCK or txn.posted:
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
    if outcome != MonitoredTransaction.Outcome.ALLOW:
        # The decision row is new, so no alert of it can exist: skip alert_open's look-up (the
        # unique index on open alerts still guards against a caller reusing the key).
        alert_id = _alert_insert(
            kind=Alert.Kind.TRANSACTION,
            summary=f"{outcome}: {txn.reference} scored {score}",
            score=score,
            details={"fired": fired_rows, "features": features},
            dedupe_key=f"txn:{txn.reference}",
            now=now,
            customer_id=txn.customer_id,
            transaction_id=record_id,
            payment_ref=txn.reference if outcome == MonitoredTransaction.Outcome.REVIEW and not txn.posted else "",
        )
    return Decision(record_id, outcome, score, tuple(fired), alert_id)


# --- post-event monitoring of the ledger ---------------------------------------------------------


def ledger_reference(*, entry_id: int, account_id: int) -> str:
    """The monitored transaction's reference for the money ``account_id`` paid in ledger entry ``entry_id``."""
    return f"ledger:{entry_id}:{account_id}"


def ledger_transaction_build(
    *,
    entry_id: int,
    account_id: int,
    customer_id: int,
    counterparty_name: str = "",
    counterparty_country: str = "",
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> ProposedTransaction:
    """Describe the money that ledger account ``account_id`` (the customer's) paid out in a posted entry.

    The amount is what left the account, in its currency; the counterparty is the ledger account
    that received the largest part of it (``ledger:<id>``, the velocity key); the time is the
    entry's. What only the owning app knows (names, country, KYC) comes in as arguments. Raises
    FraudRefused ``not_outgoing`` when the entry took no money out of the account.
    """
    entry = ledger_read.entry_get(entry_id=entry_id)
    account = ledger_read.account_get(account_id=account_id)
    # A leg's amount is a debit when positive; a debit lowers a credit-normal (customer) account.
    sign = -1 if account.normal_side == "credit" else 1
    paid = -sum(sign * leg.amount.minor for leg in entry.legs if leg.account_id == account_id)
    if paid <= 0:
        raise FraudRefused(f"Entry {entry_id} took no money out of ledger account {account_id}.", code="not_outgoing")
    # The payee's leg moves the other way from the payer's: the largest of those is the counterparty.
    payees = [leg for leg in entry.legs if leg.account_id != account_id and sign * leg.amount.minor > 0]
    payee = max(payees, key=lambda leg: sign * leg.amount.minor, default=None)
    return ProposedTransaction(
        reference=ledger_reference(entry_id=entry_id, account_id=account_id),
        customer_id=customer_id,
        amount=Money(paid, account.currency),
        counterparty_key=f"ledger:{payee.account_id}" if payee is not None else "",
        counterparty_name=counterparty_name,
        counterparty_country=counterparty_country,
        channel="ledger",
        direction="out",
        occurred_at=entry.created_at,
        account_opened_at=account_opened_at,
        kyc_tier=kyc_tier,
        risk_rating=risk_rating,
        posted=True,
    )


def ledger_entry_monitor(
    *,
    entry_id: int,
    account_id: int,
    customer_id: int,
    now: datetime,
    counterparty_country: str = "",
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> Decision:
    """Score a posted ledger entry after the fact, with the live rules, and feed the velocity aggregates.

    Money that moved without a decision first (internal transfers, batch payouts, card captures)
    still counts: its amount lands in the customer's and the payee's windows, so the next payment,
    decided before money moves, sees it. A finding opens an alert (nothing is held: the money has
    moved). Monitoring the same entry again returns the first decision.
    """
    txn = ledger_transaction_build(
        entry_id=entry_id,
        account_id=account_id,
        customer_id=customer_id,
        counterparty_country=counterparty_country,
        account_opened_at=account_opened_at,
        kyc_tier=kyc_tier,
        risk_rating=risk_rating,
    )
    return transaction_decide(txn=txn, now=now)


def ledger_account_monitor(
    *,
    account_id: int,
    customer_id: int,
    now: datetime,
    limit: int = 500,
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> list[Decision]:
    """Monitor the payments out of ``account_id`` posted since the last sweep, oldest first.

    Walks the account's postings newest first until it meets an entry monitored already (or has
    seen ``limit`` postings), then decides the new outgoing ones in the order they were posted, so
    each sees the windows as they stood. Safe to run twice and concurrently with live decisions:
    every entry has one reference, and deciding a reference again returns the first decision.
    """
    fresh: list[int] = []
    before: int | None = None
    seen = 0
    while seen < limit:
        page = ledger_read.posting_list(account_id=account_id, before=before, limit=min(200, limit - seen))
        done = False
        for line in page.items:
            seen += 1
            if selectors.transaction_known(reference=ledger_reference(entry_id=line.entry_id, account_id=account_id)):
                done = True
                break
            if line.amount.minor < 0 and line.entry_id not in fresh:  # holder's side: money out
                fresh.append(line.entry_id)
        if done or page.next_before is None:
            break
        before = page.next_before
    return [
        ledger_entry_monitor(
            entry_id=entry_id,
            account_id=account_id,
            customer_id=customer_id,
            now=now,
            account_opened_at=account_opened_at,
            kyc_tier=kyc_tier,
            risk_rating=risk_rating,
        )
        for entry_id in reversed(fresh)
    ]


def _bucket_start(at: datetime, grain: str) -> datetime:
    if grain == "m5":
        return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)
    if grain == "h":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def velocity_record(
    *, customer_id: int, counterparty_key: str, country: str, amount_minor: int, currency: str, at: datetime
) -> None:
    """Add one transaction to its customer's and counterparty's buckets (increments, no scan).

    One upsert statement (INSERT ... ON CONFLICT DO UPDATE, on SQLite and Postgres alike): safe
    under concurrency without a read first, and cheap enough for the payment path.
    """
    near = int(is_near_limit(amount_minor))
    adapt = connection.ops.adapt_datetimefield_value
    keys = [("c", str(customer_id))] + ([("p", counterparty_key)] if counterparty_key else [])
    rows: list[Any] = []
    for scope, key in keys:
        for grain in ("m5", "h", "d"):
            rows += [scope, key, currency, grain, adapt(_bucket_start(at, grain)), 1, amount_minor, near]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * (len(rows) // 8))
    table = VelocityBucket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, currency, grain, start_at, count, sum_minor, near_limit_count) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (scope, key, currency, grain, start_at) DO UPDATE SET "
            f"count = {table}.count + excluded.count, sum_minor = {table}.sum_minor + excluded.sum_minor, "
            f"near_limit_count = {table}.near_limit_count + excluded.near_limit_count",
            rows,
        )
        if country:
            cursor.execute(
                f"INSERT INTO {CustomerCountry._meta.db_table} (customer_id, country, first_at) "  # noqa: S608
                "VALUES (%s, %s, %s) ON CONFLICT (customer_id, country) DO NOTHING",
                [customer_id, country, adapt(at)],
            )


def buckets_prune(*, now: datetime) -> int:
    """Delete buckets older than any window reads (keeps the aggregate table small)."""
    deleted, _ = VelocityBucket.objects.filter(grain__in=["m5", "h"], start_at__lt=now - timedelta(days=2)).delete()
    old, _ = VelocityBucket.objects.filter(grain="d", start_at__lt=now - timedelta(days=31)).delete()
    return deleted + old


# --- back-testing and shadow mode ------------------------------------------------------------


def backtest_run(
    *, rule_version_ids: list[int], since: datetime, until: datetime, now: datetime, created_by_id: int | None = None
) -> int:
    """Replay ``rule_version_ids`` over the stored transactions of [since, until); never affects decisions.

    Each transaction is evaluated on the features stored with it, i.e. as they were when it was
    decided. The report counts what the set would have allowed / reviewed / blocked, per rule, and
    how that differs from the live decisions.
    """
    if not rule_version_ids:
        raise FraudRefused("Choose at least one rule version.", code="no_rules")
    rules = selectors.compiled_rules(version_ids=rule_version_ids)
    outcomes: Counter[str] = Counter()
    per_rule: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    flagged: list[str] = []
    evaluated = 0
    for txn in selectors.transactions_between(since=since, until=until):
        evaluated += 1
        fired = _evaluate(rules, txn.features)
        outcome = _outcome(sum(r.score for r in fired))
        outcomes[outcome] += 1
        for rule in fired:
            per_rule[f"{rule.code} v{rule.version}"] += 1
        if outcome != txn.outcome:
            changed[f"{txn.outcome}->{outcome}"] += 1
        if outcome != MonitoredTransaction.Outcome.ALLOW and len(flagged) < 100:
            flagged.append(txn.reference)
    result = {
        "evaluated": evaluated,
        "outcomes": dict(outcomes),
        "fired_per_rule": dict(per_rule),
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
