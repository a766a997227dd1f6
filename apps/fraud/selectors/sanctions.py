"""Reads of the sanctions lists: the in-memory screening index and screening a name against it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from apps.fraud import conf
from apps.fraud.matching import IMO_AGREES, IMO_ONLY, ListedEntry, NameHit, NameIndex, name_tokens, secondary_evidence
from apps.fraud.models import SanctionsEntry, SanctionsListVersion, SanctionsSource
from apps.fraud.ofac import country_code, imo_numbers
from apps.fraud.types import SanctionsMatch

# How long a process trusts its index before asking the database whether the list changed. An
# import also drops the index of the importing process at once (``sanctions_index_forget``).
INDEX_RECHECK_SECONDS = 10.0

_index_lock = threading.Lock()
_index: NameIndex | None = None
_index_checked_at = 0.0


def sanctions_version_current(*, source: str = SanctionsSource.OFAC) -> str:
    """The version of the latest import that changed the list ("" before any import)."""
    latest = SanctionsListVersion.objects.filter(source=source).order_by("-imported_at", "-id").first()
    return latest.version if latest else ""


def _build_index(version: str) -> NameIndex:
    rows = SanctionsEntry.objects.order_by("source", "source_id").values_list(
        "source_id", "name", "sdn_type", "program", "aliases", "birth_years", "countries", "remarks"
    )

    def entries() -> Iterator[tuple[ListedEntry, list[tuple[str, str]]]]:
        for source_id, name, sdn_type, program, aliases, years, countries, remarks in rows.iterator(chunk_size=2000):
            imos = imo_numbers(remarks) if sdn_type == "vessel" else frozenset()
            entry = ListedEntry(source_id, name, sdn_type, program, tuple(years), frozenset(countries), imos)
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
    """Drop this process's index (after an import commits): the next screen rebuilds it."""
    global _index
    with _index_lock:
        _index = None


_KINDS = {
    "individual": {"individual"},
    "person": {"individual"},
    "entity": {""},
    "organisation": {""},
    "vessel": {"vessel"},
    "aircraft": {"aircraft"},
}


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
    imo: str | None = None,
    threshold: float | None = None,
    limit: int = 20,
) -> list[SanctionsMatch]:
    """Listed entries resembling ``name`` at or above the threshold, best first (one per entry).

    ``kind`` ("individual" / "entity" / "vessel" / "aircraft") keeps only entries of that type. A birth year or country
    that contradicts the entry's lowers the score, one that agrees raises it a little, both noted
    in ``why`` (``matching.secondary_evidence``): secondary identifiers tell homonyms apart but
    are often missing or wrong, so they never hide a strong name match on their own. A vessel's
    IMO number (seven digits, already checked: ``ofac.imo_parse``) is an identity: a listed
    vessel with that number is a hit whatever its name, and a listed vessel of that name is
    cleared only when the number is another listed vessel's. A number the list does not know
    lowers the score but keeps a name that reached the threshold on its own: anyone can type
    seven digits.
    """
    cutoff = float(conf.get("SANCTIONS_MATCH_THRESHOLD") if threshold is None else threshold)
    index = sanctions_index()
    tokens = name_tokens(name)
    wanted = _KINDS.get(kind.lower()) if kind else None
    best: dict[int, SanctionsMatch] = {}
    code = country_code(country) if country else None
    # A name just short of the threshold still counts when its IMO number agrees.
    for hit in index.search(tokens, cutoff=cutoff - IMO_AGREES if imo else cutoff):
        listed = index.names[hit.name_index]
        entry = index.entries[listed.entry]
        if wanted is not None and entry.sdn_type not in wanted:
            continue
        delta, notes = secondary_evidence(entry, birth_year=birth_year, country=code, imo=imo)
        score = min(1.0, hit.pairing.score + delta)
        if imo and entry.imo_numbers and imo not in entry.imo_numbers and imo not in index.by_imo:
            kept = max(score, min(hit.pairing.score, cutoff))
            if kept > score:
                notes.append(f"kept at {kept:.2f}: IMO {imo} is no listed vessel's")
            score = kept
        if score < cutoff:
            continue
        previous = best.get(entry.source_id)
        if previous is not None and previous.score >= score:
            continue
        best[entry.source_id] = SanctionsMatch(
            source=SanctionsSource.OFAC,
            source_id=entry.source_id,
            listed_name=entry.name,
            matched_name=listed.name,
            alias_type=listed.alias_type,
            program=entry.program,
            sdn_type=entry.sdn_type,
            score=round(score, 4),
            why=_why(hit, index, notes),
        )
    for pos in index.by_imo.get(imo, ()) if imo else ():
        entry = index.entries[pos]
        if entry.source_id in best or (wanted is not None and entry.sdn_type not in wanted):
            continue
        best[entry.source_id] = SanctionsMatch(
            source=SanctionsSource.OFAC,
            source_id=entry.source_id,
            listed_name=entry.name,
            matched_name=entry.name,
            alias_type="",
            program=entry.program,
            sdn_type=entry.sdn_type,
            score=max(IMO_ONLY, round(cutoff, 4)),
            why=f"IMO {imo} is this vessel's, under whatever name (the name did not match: renamed?)",
        )
    return sorted(best.values(), key=lambda m: (-m.score, m.source_id))[:limit]
