"""Fraud and AML: screening speed and quality, re-screen throughput, decision latency.

Runs in a scratch database of its own (PostgreSQL when DATABASE_URL names one, else SQLite).
Figures and the threshold reasoning are in docs/BENCHMARKS.md ("Fraud and AML").
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from faker import Faker

from apps.fraud import conf
from apps.fraud.matching import name_tokens
from apps.fraud.models import ScreenedSubject
from apps.fraud.ofac import read_ofac
from apps.fraud.selectors import sanctions as selectors
from apps.fraud.services import decisions, rules, sanctions, screening
from apps.fraud.types import ProposedTransaction
from bankcore.money import Money
from bench.result import emit
from bench.scratch import scratch_database

OFAC_DIR = Path(__file__).resolve().parent.parent / "apps" / "fraud" / "data" / "ofac"
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "ru_RU", "tr_TR", "ar_AA", "zh_CN", "hi_IN"]
THRESHOLDS = (0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92)
RESCREEN_CUSTOMERS = 20_000  # a rate: 20,000 names time it as well as 100,000 did, in a fifth of the run


# --- realistic variants of listed names ------------------------------------------------------

_TRANSLIT = [
    ("ou", "u"), ("u", "ou"), ("y", "i"), ("i", "y"), ("kh", "h"), ("ph", "f"), ("mohammed", "muhammad"),
    ("muhammad", "mohamed"), ("ck", "k"), ("sh", "ch"), ("ee", "i"), ("q", "k"), ("dh", "d"), ("j", "dj"),
    ("v", "w"), ("ii", "i"), ("ei", "ey"), ("oo", "u"),
]  # fmt: skip


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]


def variants(name: str, rng: random.Random) -> dict[str, str]:
    """Typo, transliteration, reordered parts and dropped middle name of a listed person's name."""
    tokens = list(name_tokens(name))
    out: dict[str, str] = {}
    if not tokens:
        return out
    longest = max(range(len(tokens)), key=lambda i: len(tokens[i]))
    typo = tokens.copy()
    typo[longest] = _typo(typo[longest], rng)
    out["typo"] = " ".join(typo)
    joined = " ".join(tokens)
    for old, new in rng.sample(_TRANSLIT, len(_TRANSLIT)):
        if old in joined:
            out["transliteration"] = joined.replace(old, new, 1)
            break
    if len(tokens) >= 2:
        out["reordered"] = " ".join(tokens[1:] + tokens[:1]).upper()
    if len(tokens) >= 3:
        out["dropped_middle"] = " ".join([tokens[0], tokens[-1]])
    return out


def _recall() -> tuple[dict[float, float], dict[str, dict[float, float]], int]:
    """Recall per threshold over every alias in alt.csv, and per kind of variant of primary names."""
    parsed = read_ofac(OFAC_DIR)
    rng = random.Random(20190101)
    index = selectors.sanctions_index()
    low = min(THRESHOLDS)

    def best_for(query: str, source_id: int) -> float:
        best = 0.0
        for hit in index.search(name_tokens(query), cutoff=low):
            if index.entries[index.names[hit.name_index].entry].source_id == source_id:
                best = max(best, hit.pairing.score)
        return best

    alias_scores = [
        best_for(alias["name"], entry.source_id) for entry in parsed.entries.values() for alias in entry.aliases
    ]
    variant_scores: dict[str, list[float]] = {}
    people = [e for e in parsed.entries.values() if e.sdn_type == "individual"]
    for entry in rng.sample(people, 1500):
        for kind, query in variants(entry.name, rng).items():
            variant_scores.setdefault(kind, []).append(best_for(query, entry.source_id))

    def rate(scores: list[float], t: float) -> float:
        return sum(s >= t for s in scores) / len(scores)

    alias_recall = {t: rate(alias_scores, t) for t in THRESHOLDS}
    per_variant = {kind: {t: rate(s, t) for t in THRESHOLDS} for kind, s in variant_scores.items()}
    return alias_recall, per_variant, len(alias_scores)


def _faker_names(count: int, seed: int) -> list[str]:
    names: list[str] = []
    per_locale = count // len(LOCALES) + 1
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        names += [fake.name() for _ in range(per_locale)]
    return names[:count]


def _false_positives(names: list[str]) -> dict[float, float]:
    index = selectors.sanctions_index()
    best = [
        max((h.pairing.score for h in index.search(name_tokens(n), cutoff=min(THRESHOLDS))), default=0.0) for n in names
    ]
    return {t: sum(s >= t for s in best) / len(names) for t in THRESHOLDS}


def _latency(names: list[str]) -> tuple[float, float]:
    selectors.sanctions_screen(name="warm up")
    timings = []
    for name in names:
        start = time.perf_counter()
        selectors.sanctions_screen(name=name)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def _rescreen(now: datetime) -> float:
    names = _faker_names(RESCREEN_CUSTOMERS, seed=7)
    ScreenedSubject.objects.bulk_create(
        [ScreenedSubject(kind="customer", ref=f"bench-{i}", name=n, created_at=now) for i, n in enumerate(names)],
        batch_size=5000,
    )
    run_id = screening.rescreen_start(list_version=selectors.sanctions_version_current(), now=now)
    start = time.perf_counter()
    while screening.rescreen_continue(run_id=run_id, now=now, chunk=1000):
        pass
    return RESCREEN_CUSTOMERS / (time.perf_counter() - start)


def _transactions(now: datetime) -> Iterator[ProposedTransaction]:
    rng = random.Random(5)
    # Mostly ordinary payments, as in real traffic; a few large, foreign or risky ones fire rules.
    countries = ["DE"] * 10 + ["FR", "NL", "ES", "IT", "GB", "US", "IR"]
    for i in range(2000):
        yield ProposedTransaction(
            reference=f"bench:{i}",
            customer_id=rng.randrange(1, 200),
            amount=Money(
                rng.choice([1500, 2500, 4000, 9900, 25_000, 60_000, 120_000, 480_000, 960_000, 1_500_000]), "EUR"
            ),
            counterparty_key=f"DE{rng.randrange(10**6):06d}",
            counterparty_country=rng.choice(countries),
            occurred_at=now + timedelta(seconds=i * 7),
            account_opened_at=now - timedelta(days=rng.randrange(1, 900)),
            beneficiary_created_at=now - timedelta(days=rng.randrange(0, 90)),
            kyc_tier=rng.choice(["basic", "standard", "enhanced"]),
            risk_rating=rng.choice(["low", "medium", "high"]),
        )


def _decisions(now: datetime) -> float:
    rules.rules_defaults_ensure(now=now)
    timings = []
    for txn in _transactions(now):
        start = time.perf_counter()
        decisions.transaction_decide(txn=txn, now=txn.occurred_at or now)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return timings[int(len(timings) * 0.99)]


def run() -> None:
    with scratch_database("fraud"):
        _run()


def _run() -> None:
    # No surrounding transaction: each decision commits on its own, as in production (a bench-wide
    # transaction would turn every decision into a savepoint and measure PostgreSQL's
    # subtransaction bookkeeping instead). The scratch database is dropped afterwards.
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    threshold = float(conf.get("SANCTIONS_MATCH_THRESHOLD"))
    try:
        sanctions.sanctions_import(source="ofac", directory=OFAC_DIR, now=now)
        selectors.sanctions_index_forget()
        alias_recall, per_variant, aliases = _recall()
        faker = _faker_names(10_000, seed=42)
        fp = _false_positives(faker)
        p50, p99 = _latency(_faker_names(2_000, seed=99))
        emit("fraud.screen_name_p50_ms", p50, "ms")
        emit("fraud.screen_name_p99_ms", p99, "ms")
        emit("fraud.alias_recall", alias_recall[threshold], "ratio")
        for kind, rates in sorted(per_variant.items()):
            emit(f"fraud.variant_recall.{kind}", rates[threshold], "ratio")
        emit("fraud.false_positive_rate", fp[threshold], "ratio")
        emit("fraud.decision_p99_ms", _decisions(now), "ms")
        emit("fraud.rescreen_names_per_s", _rescreen(now), "names/s")
        _table(alias_recall, per_variant, fp, aliases)
    finally:
        selectors.sanctions_index_forget()


def _table(
    alias_recall: dict[float, float], per_variant: dict[str, dict[float, float]], fp: dict[float, float], aliases: int
) -> None:
    """Threshold trade-off, on stderr (the JSON lines on stdout stay machine-readable)."""
    import sys

    kinds = sorted(per_variant)
    sys.stderr.write(
        f"threshold | alias recall ({aliases}) | " + " | ".join(kinds) + " | false positives (10k Faker)\n"
    )
    for t in THRESHOLDS:
        cells = [f"{alias_recall[t]:.4f}"] + [f"{per_variant[k][t]:.4f}" for k in kinds] + [f"{fp[t]:.4f}"]
        sys.stderr.write(f"{t:.2f} | " + " | ".join(cells) + "\n")
