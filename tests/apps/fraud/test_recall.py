"""Recall on real data: a fixed sample of OFAC aliases and variants must find their own entry.

The full measurement (every alias, 1,500 variants, false positives) is `python -m bench fraud`.
"""

from __future__ import annotations

import random

import pytest

from apps.fraud import interface
from apps.fraud.names import PARTICLES
from apps.fraud.ofac import read_ofac
from bench.fraud import variants
from tests.apps.fraud.conftest import OFAC_DIR

pytestmark = pytest.mark.usefixtures("ofac")

_PARSED = read_ofac(OFAC_DIR)
_RNG = random.Random(11)
ALIASES = _RNG.sample(
    [(entry.source_id, alias["name"]) for entry in _PARSED.entries.values() for alias in entry.aliases], 150
)
PEOPLE = _RNG.sample([e for e in _PARSED.entries.values() if e.sdn_type == "individual"], 60)


def found(source_id: int, name: str) -> bool:
    return source_id in {m.source_id for m in interface.screen_name(name)}


def test_every_sampled_alias_finds_its_entry() -> None:
    missed = [(sid, name) for sid, name in ALIASES if not found(sid, name)]
    assert missed == []


def _short_form_is_first_and_last_word(name: str) -> bool:
    # "CAICEDO ROJAS, Jorge Ernesto" is shortened to Jorge Caicedo, not to its first and last
    # words (Jorge Rojas: the mother's family name); "AL-GHANDOUR, Abu Anas" has no given name
    # in its first word. Those variants are not how the names are written.
    family, _, given = name.partition(",")
    return len(family.split()) < 2 and not given.strip().lower().startswith(("abu ", "al ", "al-"))


def test_reordered_and_dropped_middle_names_find_their_entry() -> None:
    rng = random.Random(3)
    missed = []
    for entry in PEOPLE:
        for kind, query in variants(entry.name, rng).items():
            if kind == "dropped_middle" and not _short_form_is_first_and_last_word(entry.name):
                continue
            if kind in ("reordered", "dropped_middle") and not found(entry.source_id, query):
                missed.append((kind, entry.name, query))
    assert len(missed) <= 1, missed  # the bench measures 99 % on dropped middle names


def test_given_name_and_first_family_name_find_their_entry() -> None:
    people = [
        e
        for e in PEOPLE
        if "," in e.name
        and len(e.name.partition(",")[0].split()) == 2
        and e.name.partition(",")[0].split()[0].lower() not in PARTICLES
    ]
    missed = []
    for entry in people:
        family, _, given = entry.name.partition(",")
        query = f"{given.split()[0]} {family.split()[0]}"
        if not found(entry.source_id, query):
            missed.append((entry.name, query))
    assert people
    # Given name plus the father's family name, with a middle name dropped too, sits at the
    # threshold (0.83-0.85): most are found, the bench has the figures.
    assert len(missed) <= len(people) // 2, missed


def test_typos_mostly_find_their_entry() -> None:
    rng = random.Random(4)
    queries = [(e.source_id, variants(e.name, rng)["typo"]) for e in PEOPLE]
    recall = sum(found(sid, q) for sid, q in queries) / len(queries)
    assert recall >= 0.95
