"""Name normalisation, the name similarity, and the in-memory index that screens one name fast.

Pure Python (no database), so it is unit-tested and benchmarked on its own.

The similarity (``name_similarity``) in one paragraph
------------------------------------------------------
Both names are normalised (ASCII transliteration, case-fold, punctuation and legal-form noise
removed, "LAST, First" put back in order) and split into tokens. Every pair of tokens is scored with
Jaro-Winkler (rapidfuzz); pairs under ``TOKEN_FLOOR`` count as no match at all, so unrelated
tokens never add up to a hit. Tokens are then paired greedily, best pair first, each token used
once, which makes the measure independent of word order. The score is the length-weighted mean of
the paired similarities, with the unpaired tokens added to the denominator:

    score = sum(s * w) / (sum(w) + penalty * unpaired_length)      w = mean length of the pair

``penalty`` is ``EXTRA_TOKEN_PENALTY`` (light) when every token of the shorter name is paired and
at least two pairs were found: a dropped middle name or an extra family name barely moves the
score. Otherwise it is 1: a lone matching surname ("Smith" against "SMITH, John") stays far below
any sensible threshold. The greedy pairing is run on a canonical order of the two names, so the
result is exactly symmetric; it lies in 0..1 and is 1 only for names with the same tokens.

The index
---------
``NameIndex`` holds every listed name and alias, already tokenised. To screen a query it looks up,
per query token, the listed *tokens* that share a blocking key with it (first three letters, last
three letters, or a Soundex-like consonant skeleton that survives transliteration:
Qaddafi/Gaddafi/Kadhafi all give ``231``), scores those with ``rapidfuzz.process.extract`` and a
``score_cutoff`` of ``TOKEN_FLOOR``, and follows the postings to the names that contain them. The
token pairs found this way are exactly the pairs ``name_similarity`` would keep, so the index gives
the same score as the direct measure, without comparing the query with 17,000 names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

TOKEN_FLOOR = 0.80
EXTRA_TOKEN_PENALTY = 0.05

# Company forms and honorifics: they say nothing about who the party is, and a customer typing
# "Acme Ltd" must match "ACME LIMITED". Multi-word forms are removed first (after dots are
# dropped, "S. DE R.L. DE C.V." reads "s de rl de cv").
_NOISE_SEQUENCES: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        "s de rl de cv",
        "s de rl",
        "sa de cv",
        "s en c",
        "de cv",
        "s a",
        "s l",
        "s r l",
        "s a s",
        "s p a",
        "co ltd",
        "pvt ltd",
        "sdn bhd",
        "l l c",
    )
)
_NOISE_TOKENS = frozenset(
    {
        "ltd",
        "llc",
        "inc",
        "corp",
        "co",
        "sa",
        "sas",
        "sarl",
        "srl",
        "sl",
        "spa",
        "gmbh",
        "ag",
        "kg",
        "kft",
        "bv",
        "nv",
        "plc",
        "llp",
        "lp",
        "pte",
        "pty",
        "pvt",
        "oy",
        "ab",
        "as",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "ooo",
        "oao",
        "zao",
        "tov",
        "ltda",
        "eirl",
        "cia",
        "sac",
        "saic",
        "cv",
        "rl",
        "sdn",
        "bhd",
        "fze",
        "fzco",
        "fzc",
        "dmcc",
        "doo",
        "limited",
        "incorporated",
        "corporation",
        "company",
        "the",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
    }
)
# Apostrophes and dots vanish (O'Brien -> obrien, S.A. -> sa); every other non-alphanumeric
# character separates tokens.
_JOINERS = re.compile(r"['`.\u2019]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")

_SKELETON_CLASS = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def _remove_noise(tokens: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for seq in _NOISE_SEQUENCES:
            if tuple(tokens[i : i + len(seq)]) == seq:
                i += len(seq)
                break
        else:
            if tokens[i] not in _NOISE_TOKENS:
                kept.append(tokens[i])
            i += 1
    return kept


def _strip_noise(tokens: list[str]) -> list[str]:
    # A name made only of noise ("The Company Ltd") keeps its words rather than becoming empty.
    return _remove_noise(tokens) or tokens


def _split(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(_JOINERS.sub("", text)) if t]


def name_tokens(name: str) -> tuple[str, ...]:
    """The normalised tokens of ``name``, in reading order ("LAST, First" becomes first last)."""
    text = anyascii(name).casefold()
    if text.count(",") == 1:
        last, first = text.split(",")
        first_tokens = _split(first)
        # "ANGLO-CARIBBEAN CO., LTD." has a comma too: only reorder when the part after the comma
        # is a real name, not a company form.
        tokens = first_tokens + _split(last) if _remove_noise(first_tokens) else _split(last) + first_tokens
    else:
        tokens = _split(text)
    return tuple(_strip_noise(tokens))


def normalise(name: str) -> str:
    """ASCII, case-folded, punctuation- and noise-free form of ``name`` with single spaces."""
    return " ".join(name_tokens(name))


def skeleton(token: str) -> str:
    """A transliteration-tolerant key: consonant classes, vowels dropped, repeats collapsed."""
    out: list[str] = []
    for ch in token:
        code = _SKELETON_CLASS.get(ch, ch if ch.isdigit() else "")
        if code and (not out or out[-1] != code):
            out.append(code)
    return "".join(out[:3])


def blocking_keys(token: str) -> tuple[str, ...]:
    keys = ["p" + token[:3], "s" + skeleton(token)]
    if len(token) >= 5:
        keys.append("e" + token[-3:])
    return tuple(keys)


@dataclass(frozen=True)
class Pairing:
    score: float
    pairs: tuple[tuple[str, str, float], ...]  # (token of a, token of b, Jaro-Winkler)
    unpaired_a: tuple[str, ...]
    unpaired_b: tuple[str, ...]


def _pairing(a: Sequence[str], b: Sequence[str], scored: Iterable[tuple[float, int, int]]) -> Pairing:
    """Greedy best-first pairing of token pairs ``(similarity, index in a, index in b)``.

    Callers pass ``a`` and ``b`` in canonical order (see ``_canonical``) so the result is symmetric.
    """
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[str, str, float]] = []
    num = 0.0
    weight = 0.0
    for s, i, j in sorted(scored, key=lambda p: (-p[0], p[1], p[2])):
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        w = (len(a[i]) + len(b[j])) / 2
        num += s * w
        weight += w
        pairs.append((a[i], b[j], s))
    if not pairs:
        return Pairing(0.0, (), tuple(a), tuple(b))
    unpaired_a = tuple(t for i, t in enumerate(a) if i not in used_a)
    unpaired_b = tuple(t for j, t in enumerate(b) if j not in used_b)
    unpaired = sum(map(len, unpaired_a)) + sum(map(len, unpaired_b))
    light = len(pairs) >= 2 and len(pairs) == min(len(a), len(b))
    penalty = EXTRA_TOKEN_PENALTY if light else 1.0
    return Pairing(num / (weight + penalty * unpaired), tuple(pairs), unpaired_a, unpaired_b)


def _canonical(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when (a, b) must be swapped to be in canonical order."""
    return (len(a), a) > (len(b), b)


def token_pairing(a: tuple[str, ...], b: tuple[str, ...]) -> Pairing:
    """Score two token tuples (see the module docstring); symmetric in a and b."""
    swapped = _canonical(a, b)
    if swapped:
        a, b = b, a
    scored = []
    for i, ta in enumerate(a):
        for j, tb in enumerate(b):
            s = JaroWinkler.similarity(ta, tb)
            if s >= TOKEN_FLOOR:
                scored.append((s, i, j))
    result = _pairing(a, b, scored)
    if swapped:
        result = Pairing(
            result.score, tuple((y, x, s) for x, y, s in result.pairs), result.unpaired_b, result.unpaired_a
        )
    return result


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1, symmetric (see the module docstring)."""
    return token_pairing(name_tokens(a), name_tokens(b)).score


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedName:
    entry: int  # position in NameIndex.entries
    name: str  # as published
    alias_type: str  # "" for the primary name, else "aka" / "fka" / "nka"
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class ListedEntry:
    source_id: int
    name: str
    sdn_type: str  # "individual", "vessel", "aircraft" or "" (an entity)
    program: str
    birth_years: tuple[int, ...] = ()
    countries: frozenset[str] = frozenset()  # ISO 3166 alpha-2 codes where known


@dataclass(frozen=True)
class NameHit:
    name_index: int
    pairing: Pairing


@dataclass
class NameIndex:
    version: str
    entries: list[ListedEntry] = field(default_factory=list)
    names: list[ListedName] = field(default_factory=list)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # token -> (name, position)
    blocks: dict[str, list[str]] = field(default_factory=dict)  # blocking key -> tokens
    _expansions: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, version: str, entries: Iterable[tuple[ListedEntry, Iterable[tuple[str, str]]]]) -> NameIndex:
        """``entries`` yields each entry with its names as ``(name, alias_type)`` pairs."""
        index = cls(version=version)
        blocks: dict[str, set[str]] = {}
        for entry, names in entries:
            pos = len(index.entries)
            index.entries.append(entry)
            seen: set[tuple[str, ...]] = set()
            for name, alias_type in names:
                tokens = name_tokens(name)
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                name_pos = len(index.names)
                index.names.append(ListedName(pos, name, alias_type, tokens))
                for j, token in enumerate(tokens):
                    index.postings.setdefault(token, []).append((name_pos, j))
        for token in index.postings:
            for key in blocking_keys(token):
                blocks.setdefault(key, set()).add(token)
        index.blocks = {key: sorted(tokens) for key, tokens in blocks.items()}
        return index

    def _expand(self, token: str) -> list[tuple[str, float]]:
        """Listed tokens within TOKEN_FLOOR of ``token`` (cached: names repeat a lot)."""
        cached = self._expansions.get(token)
        if cached is not None:
            return cached
        candidates: set[str] = set()
        for key in blocking_keys(token):
            candidates.update(self.blocks.get(key, ()))
        found = [
            (choice, score)
            for choice, score, _ in process.extract(
                token, list(candidates), scorer=JaroWinkler.similarity, score_cutoff=TOKEN_FLOOR, limit=None
            )
        ]
        if len(self._expansions) > 200_000:  # bounded: a re-screen of millions must not grow forever
            self._expansions.clear()
        self._expansions[token] = found
        return found

    def search(self, tokens: tuple[str, ...], *, cutoff: float) -> list[NameHit]:
        """Listed names scoring at least ``cutoff`` against ``tokens``, best first."""
        if not tokens:
            return []
        hits: dict[int, list[tuple[float, int, int]]] = {}
        for qi, token in enumerate(tokens):
            for listed, score in self._expand(token):
                for name_pos, j in self.postings[listed]:
                    bucket = hits.get(name_pos)
                    if bucket is None:
                        hits[name_pos] = [(score, qi, j)]
                    else:
                        bucket.append((score, qi, j))
        query_len = sum(map(len, tokens))
        found: list[NameHit] = []
        for name_pos, scored in hits.items():
            listed_tokens = self.names[name_pos].tokens
            # Cheap bound before pairing: with a single token pair, the unpaired rest weighs fully.
            if len(scored) == 1 and len(tokens) + len(listed_tokens) > 2:
                s, qi, j = scored[0]
                w = (len(tokens[qi]) + len(listed_tokens[j])) / 2
                rest = query_len - len(tokens[qi]) + sum(map(len, listed_tokens)) - len(listed_tokens[j])
                if s * w / (w + rest) < cutoff:
                    continue
            pairing = self._pair(tokens, listed_tokens, scored)
            if pairing.score >= cutoff:
                found.append(NameHit(name_pos, pairing))
        found.sort(key=lambda h: (-h.pairing.score, h.name_index))
        return found

    @staticmethod
    def _pair(query: tuple[str, ...], listed: tuple[str, ...], scored: list[tuple[float, int, int]]) -> Pairing:
        if _canonical(query, listed):
            result = _pairing(listed, query, [(s, j, i) for s, i, j in scored])
            return Pairing(
                result.score, tuple((y, x, s) for x, y, s in result.pairs), result.unpaired_b, result.unpaired_a
            )
        return _pairing(query, listed, scored)
