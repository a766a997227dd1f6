"""Reads: the in-memory screening index, screening itself, velocity windows, rules, report drafts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from apps.fraud import conf
from apps.fraud.expressions import Evaluator, compile_condition
from apps.fraud.features import CATALOGUE, WINDOWS, Windows
from apps.fraud.matching import ListedEntry, NameHit, NameIndex, name_tokens, secondary_evidence
from apps.fraud.models import (
    Alert,
    CustomerCountry,
    MonitoredTransaction,
    RuleVersion,
    SanctionsEntry,
    SanctionsListVersion,
    VelocityBucket,
)
from apps.fraud.ofac import country_code
from apps.fraud.types import SanctionsMatch

# --- the screening index ----------------------------------------------------------------------

# How long a process trusts its index before asking the database whether the list changed. An
# import also drops the index of the importing process at once (``sanctions_index_forget``).
INDEX_RECHECK_SECONDS = 10.0

_index_lock = threading.Lock()
_index: NameIndex | None = None
_index_checked_at = 0.0


def sanctions_version_current(*, source: str = "ofac") -> str:
    """The version of the latest import that changed the list ("" before any import)."""
    latest = SanctionsListVersion.objects.filter(source=source).order_by("-imported_at", "-id").first()
    return latest.version if latest else ""


def _build_index(version: str) -> NameIndex:
    rows = SanctionsEntry.objects.order_by("source", "source_id").values_list(
        "source_id", "name", "sdn_type", "program", "aliases", "birth_years", "countries"
    )

    def entries() -> Iterator[tuple[ListedEntry, list[tuple[str, str]]]]:
        for source_id, name, sdn_type, program, aliases, years, countries in rows.iterator(chunk_size=2000):
            entry = ListedEntry(source_id, name, sdn_type, program, tuple(years), frozenset(countries))
            yield entry, [(name, "")] + [(a["name"], a["type"]) for a in aliases]

    return NameIndex.build(version=version, entries=entries())


def sanctions_index() -> NameIndex:
    """The index of every listed name, built once per process and rebuilt when the list changes."""
    global _index, _index_checked_at
    now = time.monotonic()
    index = _index
    if index is not None and now - _index_checked_at < INDEX_RECHECK_SECONDS:
        return index
    with _index_lock:
        version = sanctions_version_current()
        if _index is None or _index.version != version:
            _index = _build_index(version)
        _index_checked_at = time.monotonic()
        return _index


def sanctions_index_forget() -> None:
    global _index
    with _index_lock:
        _index = None


_KINDS = {"individual": {"individual"}, "person": {"individual"}, "entity": {""}, "organisation": {""}}


def _why(hit: NameHit, index: NameIndex, adjustments: list[str]) -> str:
    listed = index.names[hit.name_index]
    label = "primary name" if not listed.alias_type else f"{listed.alias_type} alias"
    pairs = ", ".join(q if q == t else f"{q}~{t} {s:.2f}" for q, t, s in hit.pairing.pairs)
    parts = [f"{label} {listed.name!r}: {pairs}"]
    if hit.pairing.unpaired_b:
        parts.append(f"listed words not in the name: {' '.join(hit.pairing.unpaired_b)}")
    if hit.pairing.unpaired_a:
        parts.append(f"words not in the listed name: {' '.join(hit.pairing.unpaired_a)}")
    return "; ".join(parts + adjustments)


def sanctions_screen(
    *,
    name: str,
    kind: str | None = None,
    birth_year: int | None = None,
    country: str | None = None,
    threshold: float | None = None,
    limit: int = 20,
) -> list[SanctionsMatch]:
    """Listed entries resembling ``name`` at or above the threshold, best first (one per entry).

    ``kind`` ("individual" / "entity") keeps only entries of that type. A birth year or country
    that contradicts the entry's lowers the score, one that agrees raises it a little, both noted
    in ``why`` (``matching.secondary_evidence``): secondary identifiers tell homonyms apart but
    are often missing or wrong, so they never hide a strong name match on their own.
    """
    cutoff = float(conf.get("SANCTIONS_MATCH_THRESHOLD") if threshold is None else threshold)
    index = sanctions_index()
    tokens = name_tokens(name)
    wanted = _KINDS.get(kind.lower()) if kind else None
    best: dict[int, SanctionsMatch] = {}
    code = country_code(country) if country else None
    for hit in index.search(tokens, cutoff=cutoff):
        listed = index.names[hit.name_index]
        entry = index.entries[listed.entry]
        if wanted is not None and entry.sdn_type not in wanted:
            continue
        delta, notes = secondary_evidence(entry, birth_year=birth_year, country=code)
        score = min(1.0, hit.pairing.score + delta)
        if score < cutoff:
            continue
        previous = best.get(entry.source_id)
        if previous is not None and previous.score >= score:
            continue
        best[entry.source_id] = SanctionsMatch(
            source="ofac",
            source_id=entry.source_id,
            listed_name=entry.name,
            matched_name=listed.name,
            alias_type=listed.alias_type,
            program=entry.program,
            sdn_type=entry.sdn_type,
            score=round(score, 4),
            why=_why(hit, index, notes),
        )
    return sorted(best.values(), key=lambda m: (-m.score, m.source_id))[:limit]


# --- velocity windows and everything else a decision reads ---------------------------------------

_WINDOW_GRAIN = {"1h": ("m5", timedelta(hours=1)), "24h": ("h", timedelta(hours=24)), "30d": ("d", timedelta(days=30))}


def _window_sql(scopes: list[str], currency: str, at: datetime) -> tuple[str, str, dict[str, Any]]:
    """Select-list and WHERE of the windows of each scope ("c", "p"), summed in one pass over the buckets.

    Seven columns per scope: count and sum for 1 h / 24 h / 30 d, then the near-limit count of
    24 h. Named parameters, each sent once: the window starts are shared by every column, and on
    Postgres converting sixty positional parameters cost more than the query. The party keys are
    the parameters ``c`` and ``p``; scopes and grains are our own constants, written inline.
    """
    adapt = connection.ops.adapt_datetimefield_value
    params: dict[str, Any] = {"currency": currency, "at": adapt(at)}
    columns: list[str] = []
    ranges: list[str] = []
    for window, (grain, span) in _WINDOW_GRAIN.items():
        params[f"since_{window}"] = adapt(at - span)
        ranges.append(f"(grain = '{grain}' AND start_at > %(since_{window})s)")
    for scope in scopes:
        for window, (grain, _span) in _WINDOW_GRAIN.items():
            for column in ("count", "sum_minor"):
                columns.append(
                    f"SUM(CASE WHEN scope = '{scope}' AND grain = '{grain}' AND start_at > %(since_{window})s "
                    f"THEN {column} ELSE 0 END)"
                )
        columns.append(
            f"SUM(CASE WHEN scope = '{scope}' AND grain = 'h' AND start_at > %(since_24h)s "
            "THEN near_limit_count ELSE 0 END)"
        )
    parties = " OR ".join(f"(scope = '{scope}' AND key = %({scope})s)" for scope in scopes)
    where = f"currency = %(currency)s AND start_at <= %(at)s AND ({parties}) AND ({' OR '.join(ranges)})"
    return ", ".join(columns), where, params


def _windows_from(values: list[Any]) -> Windows:
    ints = [int(v or 0) for v in values]
    return Windows(
        count={w: ints[2 * i] for i, w in enumerate(WINDOWS)},
        sum_minor={w: ints[2 * i + 1] for i, w in enumerate(WINDOWS)},
        near_limit_24h=ints[6],
    )


def velocity_windows(*, scope: str, key: str, currency: str, at: datetime) -> Windows:
    """Counts and sums over the 1 h / 24 h / 30 d windows ending at ``at``, from the buckets.

    One indexed query over at most 66 rows (12 + 24 + 30 buckets), whatever the history. Windows
    are bucket-aligned: "1 h" is the last twelve 5-minute buckets, the current one included. Plain
    SQL: this runs before every payment, and building the ORM query cost more than running it.
    """
    if not key:
        return Windows.empty()
    if scope not in VelocityBucket.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    columns, where, params = _window_sql([scope], currency, at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {VelocityBucket._meta.db_table} WHERE {where}",  # noqa: S608 - our own names
            {**params, scope: key},
        )
        row = cursor.fetchone()
    return _windows_from(list(row))


def customer_has_paid_country(*, customer_id: int, country: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {CustomerCountry._meta.db_table} WHERE customer_id = %s AND country = %s",  # noqa: S608
            [customer_id, country],
        )
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class DecisionInputs:
    """Everything a decision reads from the database, fetched in one statement."""

    previous_id: int | None  # the decision already stored for this reference
    paid_country_before: bool
    rules_key: str  # which rule versions are live (see ``compiled_rules``)
    customer: Windows
    counterparty: Windows


def decision_inputs(
    *, reference: str, customer_id: int, counterparty_key: str, country: str, currency: str, at: datetime
) -> DecisionInputs:
    """The stored decision for ``reference`` (if any), both parties' windows, the country and the rule set.

    One round trip: the payment path pays per statement (parsing, a lock, a network hop on Postgres),
    so the four reads are scalar subqueries and conditional sums of a single SELECT.
    """
    scopes = ["c", "p"] if counterparty_key else ["c"]
    columns, where, params = _window_sql(scopes, currency, at)
    sql = (
        f"SELECT (SELECT id FROM {MonitoredTransaction._meta.db_table} WHERE reference = %(reference)s), "  # noqa: S608
        f"(SELECT 1 FROM {CustomerCountry._meta.db_table} WHERE customer_id = %(customer)s AND country = %(country)s), "
        f"({_rules_key_sql()}), {columns} FROM {VelocityBucket._meta.db_table} WHERE {where}"
    )
    params.update(reference=reference, customer=customer_id, country=country, c=str(customer_id), p=counterparty_key)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = list(cursor.fetchone())
    return DecisionInputs(
        previous_id=row[0],
        paid_country_before=row[1] is not None,
        rules_key=row[2] or "",
        customer=_windows_from(row[3:10]),
        counterparty=_windows_from(row[10:17]) if counterparty_key else Windows.empty(),
    )


# --- rules --------------------------------------------------------------------------------------


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


def _rules_key_sql() -> str:
    """The rule set's version: the ids and statuses of the live versions, as one string.

    Exact (any activation, retirement or move to shadow changes it, however it was written, and a
    rolled-back change never leaves a stale key behind) and a single scan of a small table.
    """
    table = RuleVersion._meta.db_table
    live = "status IN ('active', 'shadow')"
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
            cursor.execute(_rules_key_sql())
            key = cursor.fetchone()[0] or ""
    cached = _rules_cache
    if cached is not None and cached.key == key:
        return cached
    with _rules_lock:
        live = RuleVersion.objects.filter(status__in=[RuleVersion.Status.ACTIVE, RuleVersion.Status.SHADOW])
        rules = [
            _compile(v, shadow=v.status == RuleVersion.Status.SHADOW)
            for v in live.select_related("rule").order_by("rule__code")
        ]
        # The key is of the rows just compiled: a change committed in between only costs a recompile.
        current = ",".join(
            f"{r.version_id}{'shadow' if r.shadow else 'active'}" for r in sorted(rules, key=lambda r: r.version_id)
        )
        built = RuleSet(
            key=current,
            live=tuple(r for r in rules if not r.shadow),
            shadow=tuple(r for r in rules if r.shadow),
        )
        _rules_cache = built
    return built


def compiled_rules(*, version_ids: list[int] | None = None) -> list[CompiledRule]:
    """Active and shadow rule versions, compiled; or exactly ``version_ids`` (for back-tests)."""
    if version_ids is not None:
        qs = RuleVersion.objects.filter(pk__in=version_ids).select_related("rule")
        return [_compile(v, shadow=False) for v in qs]
    rules = rule_set()
    return sorted([*rules.live, *rules.shadow], key=lambda r: r.code)


def _compile(version: RuleVersion, *, shadow: bool) -> CompiledRule:
    return CompiledRule(
        version_id=version.pk,
        code=version.rule.code,
        number=version.number,
        score=version.score,
        description=version.description,
        shadow=shadow,
        evaluate=compile_condition(version.condition, features=CATALOGUE),
    )


def transaction_known(*, reference: str) -> bool:
    """Whether a decision is stored for ``reference``."""
    return MonitoredTransaction.objects.filter(reference=reference).exists()


def transactions_between(*, since: datetime, until: datetime) -> Iterator[MonitoredTransaction]:
    return (
        MonitoredTransaction.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .order_by("occurred_at", "id")
        .iterator(chunk_size=2000)
    )


# --- alerts -------------------------------------------------------------------------------------


def alert_queue() -> list[Alert]:
    return list(Alert.objects.exclude(status=Alert.Status.CLOSED).order_by("-score", "opened_at"))


def alert_sar_draft(*, alert_id: int) -> str:
    """A suspicious-activity report draft for the analyst to complete and file (plain text)."""
    alert = Alert.objects.select_related("subject", "transaction", "assignee").get(pk=alert_id)
    lines = [
        "SUSPICIOUS ACTIVITY REPORT - DRAFT (not filed)",
        "",
        f"Alert: {alert.pk} ({alert.get_kind_display()}), opened {alert.opened_at:%Y-%m-%d %H:%M %Z}",
        f"Status: {alert.get_status_display()}; outcome: {alert.get_outcome_display()}",
        f"Analyst: {alert.assignee.get_username() if alert.assignee else 'unassigned'}",
        f"Customer id: {alert.customer_id if alert.customer_id is not None else 'unknown'}",
        "",
        "Subject",
    ]
    if alert.subject is not None:
        s = alert.subject
        lines.append(f"  {s.get_kind_display()} {s.ref}: {s.name}")
        if s.birth_year or s.country:
            lines.append(f"  birth year: {s.birth_year or '-'}; country: {s.country or '-'}")
    if alert.transaction is not None:
        t = alert.transaction
        lines.append(
            f"  transaction {t.reference}: {t.amount_minor} minor units {t.currency} "
            f"to {t.counterparty_key or '-'} at {t.occurred_at:%Y-%m-%d %H:%M %Z}"
        )
    if alert.payment_ref:
        lines.append(f"  payment {alert.payment_ref}: {alert.get_hold_display()}")
    lines += ["", "Grounds for suspicion", f"  {alert.summary} (score {alert.score:g})"]
    for match in alert.details.get("matches", []):
        lines.append(
            f"  - sanctions list {match['source'].upper()} entry {match['source_id']} {match['listed_name']} "
            f"[{match['program']}], score {match['score']}: {match['why']}"
        )
    for rule in alert.details.get("fired", []):
        lines.append(f"  - rule {rule['code']} v{rule['version']} (+{rule['score']}): {rule['description']}")
    lines += ["", "Analyst notes"]
    notes = list(alert.notes.select_related("author").order_by("created_at", "id"))
    lines += [
        f"  {n.created_at:%Y-%m-%d %H:%M} {n.author.get_username() if n.author else 'system'}: {n.body}" for n in notes
    ] or ["  (none)"]
    lines += ["", "Narrative (to be completed by the analyst)", "  ..."]
    return "\n".join(lines) + "\n"
