"""Sanctions screening quality: precision, recall and F1 per class, false alerts per locale, speed.

`python -m bench sanctions` (also part of `make bench`). No database: the index is built from
the OFAC files the project ships, as `sanctions_import` + `sanctions_index` would build it.

- The labelled pairs (bench/data/sanctions/pairs.csv, README beside it) are split by a hash of
  the query into a tune part (40 %) and a report part (60 %); only the report part is reported.
  A pair scores the best score the index gives the listed entry for the query (0 when the index
  does not return it), so the candidate search is measured as well as the measure.
- Ordinary names: Faker, fixed seed, 1,000 names per locale in 21 locales; a name alerts when
  anything on the list reaches the threshold.

Figures and the threshold reasoning: docs/BENCHMARKS.md ("Sanctions screening").
"""

from __future__ import annotations

import csv
import hashlib
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from apps.fraud import conf
from apps.fraud.matching import ListedEntry, NameIndex, name_tokens
from apps.fraud.ofac import OfacList, read_ofac
from bench.result import NO_DATABASE
from bench.result import emit as emit_line

OFAC_DIR = Path(__file__).resolve().parent.parent / "apps" / "fraud" / "data" / "ofac"
PAIRS = Path(__file__).resolve().parent / "data" / "sanctions" / "pairs.csv"
LOCALES = [
    "en_US", "en_GB", "es_ES", "es_MX", "pt_BR", "pt_PT", "fr_FR", "de_DE", "it_IT", "pl_PL", "tr_TR",
    "ru_RU", "uk_UA", "ar_AA", "fa_IR", "hi_IN", "zh_CN", "zh_TW", "ja_JP", "ko_KR", "vi_VN",
]  # fmt: skip
NAMES_PER_LOCALE = 1000
THRESHOLDS = (0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82, 0.84, 0.86, 0.88, 0.90)


@dataclass(frozen=True)
class Pair:
    cls: str
    query: str
    source_id: int
    label: bool
    part: str  # "tune" or "report"


def emit(name: str, value: float, unit: str) -> None:
    # The index is built from the shipped files: no figure here touches a database.
    emit_line(name, value, unit, database=NO_DATABASE)


def split_of(query: str, listed: str) -> str:
    digest = hashlib.sha256(f"{query}\0{listed}".encode()).digest()
    return "tune" if digest[0] % 5 < 2 else "report"


def load_pairs(parsed: OfacList) -> list[Pair]:
    by_name: dict[str, int] = {}
    for entry in parsed.entries.values():
        by_name.setdefault(entry.name, entry.source_id)
        for alias in entry.aliases:
            by_name.setdefault(alias["name"], entry.source_id)
    pairs = []
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            source_id = by_name.get(row["listed"])
            if source_id is None:
                raise SystemExit(f"bench sanctions: {row['listed']!r} is not a name on the shipped list")
            pairs.append(
                Pair(row["class"], row["query"], source_id, row["label"] == "1", split_of(row["query"], row["listed"]))
            )
    return pairs


def build_index(parsed: OfacList) -> NameIndex:
    def entries() -> list[tuple[ListedEntry, list[tuple[str, str]]]]:
        out = []
        for e in sorted(parsed.entries.values(), key=lambda e: e.source_id):
            entry = ListedEntry(
                e.source_id, e.name, e.sdn_type, e.program, tuple(e.birth_years()), frozenset(e.countries()),
                e.imo_numbers() if e.sdn_type == "vessel" else frozenset(),
            )  # fmt: skip
            out.append((entry, [(e.name, "")] + [(a["name"], a["type"]) for a in e.aliases]))
        return out

    return NameIndex.build(version=parsed.version, entries=entries())


def best_for(index: NameIndex, query: str, source_id: int, low: float) -> float:
    best = 0.0
    for hit in index.search(name_tokens(query), cutoff=low):
        if index.entries[index.names[hit.name_index].entry].source_id == source_id:
            best = max(best, hit.pairing.score)
    return best


def prf(scored: list[tuple[bool, float]], t: float) -> tuple[float, float, float]:
    tp = sum(1 for label, s in scored if label and s >= t)
    fp = sum(1 for label, s in scored if not label and s >= t)
    fn = sum(1 for label, s in scored if label and s < t)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ordinary_names() -> dict[str, list[str]]:
    out = {}
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(20260101)
        out[locale] = [fake.name() for _ in range(NAMES_PER_LOCALE)]
    return out


def run(part: str = "report") -> None:
    threshold = float(conf.get("SANCTIONS_MATCH_THRESHOLD"))
    parsed = read_ofac(OFAC_DIR)
    index = build_index(parsed)
    low = min(THRESHOLDS)
    pairs = [p for p in load_pairs(parsed) if p.part == part]
    scores = {p: best_for(index, p.query, p.source_id, low) for p in pairs}
    by_class: dict[str, list[tuple[bool, float]]] = {}
    for p, s in scores.items():
        by_class.setdefault(p.cls, []).append((p.label, s))
    everything = [(p.label, s) for p, s in scores.items()]

    names = ordinary_names()
    best_ordinary: dict[str, list[float]] = {}
    timings: list[float] = []
    for locale, locale_names in names.items():
        best_ordinary[locale] = []
        for name in locale_names:
            start = time.perf_counter()
            hits = index.search(name_tokens(name), cutoff=low)
            timings.append((time.perf_counter() - start) * 1000)
            best_ordinary[locale].append(hits[0].pairing.score if hits else 0.0)
    all_ordinary = [s for values in best_ordinary.values() for s in values]

    def alert_rate(values: list[float], t: float) -> float:
        return sum(s >= t for s in values) / len(values)

    precision, recall, f1 = prf(everything, threshold)
    emit(f"sanctions.{part}.precision", precision, "ratio")
    emit(f"sanctions.{part}.recall", recall, "ratio")
    emit(f"sanctions.{part}.f1", f1, "ratio")
    for cls, scored in sorted(by_class.items()):
        if not any(label for label, _ in scored):
            # A class of hard negatives only: what counts is how many of them match.
            emit(
                f"sanctions.{part}.{cls}.false_match_rate",
                sum(s >= threshold for _, s in scored) / len(scored),
                "ratio",
            )
            continue
        cp, cr, cf = prf(scored, threshold)
        emit(f"sanctions.{part}.{cls}.precision", cp, "ratio")
        emit(f"sanctions.{part}.{cls}.recall", cr, "ratio")
        emit(f"sanctions.{part}.{cls}.f1", cf, "ratio")
    emit("sanctions.false_alert_rate", alert_rate(all_ordinary, threshold), "ratio")
    for locale in LOCALES:
        emit(f"sanctions.false_alert_rate.{locale}", alert_rate(best_ordinary[locale], threshold), "ratio")
    timings.sort()
    # Search alone (the index is warm); screen_name adds a dictionary lookup per hit.
    emit("sanctions.screen_p50_ms", statistics.median(timings), "ms")
    emit("sanctions.screen_p99_ms", timings[int(len(timings) * 0.99)], "ms")

    # The trade-off by threshold, on stderr (stdout stays one JSON object per line).
    sys.stderr.write(f"{part} part: {len(pairs)} pairs, {sum(p.label for p in pairs)} positive; ")
    sys.stderr.write(f"ordinary names: {len(all_ordinary)} from {len(LOCALES)} locales\n")
    sys.stderr.write("threshold | precision | recall | F1 | false alerts | worst locale\n")
    for t in THRESHOLDS:
        tp, tr, tf = prf(everything, t)
        worst = max(LOCALES, key=lambda loc: alert_rate(best_ordinary[loc], t))
        sys.stderr.write(
            f"{t:.2f} | {tp:.3f} | {tr:.3f} | {tf:.3f} | {alert_rate(all_ordinary, t):.4f} | "
            f"{worst} {alert_rate(best_ordinary[worst], t):.4f}\n"
        )
    sys.stderr.write(f"recall by class at {threshold:.2f}: ")
    sys.stderr.write(", ".join(f"{c} {prf(s, threshold)[1]:.2f}" for c, s in sorted(by_class.items())) + "\n")
    if os.environ.get("BENCH_SANCTIONS_MISSES"):
        for p, s in sorted(scores.items(), key=lambda x: x[0].cls):
            if (s >= threshold) != p.label:
                sys.stderr.write(f"  {'FN' if p.label else 'FP'} {p.cls} {s:.3f} {p.query!r} -> {p.source_id}\n")
        for locale, values in best_ordinary.items():
            for name, s in zip(names[locale], values, strict=True):
                if s >= threshold:
                    hits = index.search(name_tokens(name), cutoff=low)
                    sys.stderr.write(f"  ALERT {locale} {s:.3f} {name!r} ~ {index.names[hits[0].name_index].name!r}\n")
