"""The name similarity, and the in-memory index that screens one name against the whole list fast.

Pure Python (no database), so it is unit-tested and benchmarked on its own. Names are taken apart
by ``apps.fraud.names`` (rigour: transliteration, legal forms, titles, name symbols, numbers);
this module scores two parsed names.

The similarity (``name_similarity``) in one paragraph
------------------------------------------------------
Parts are compared pairwise (``part_similarity``): numbers only equal themselves; a romanised
Chinese/Japanese/Korean character only its own romanisation (or itself, when both names are in that
script); an initial any word it starts; other words score the mean of Jaro-Winkler and the Indel
ratio (rapidfuzz), raised to 0.95 when rigour ties them to one name ("Usama"/"أسامة",
"Bill"/"William"), to ``FOLD_SIM`` when they are one spelling once the transliteration habits of
several languages are folded ("Janukowytsch"/"Yanukovych"), to ``CONSONANTS_SIM`` when the Latin
word is a spelling the letters of an Arabic-script word allow ("Jafari"/"جعفری", see
``_arabic_spellings``), to ``STRONG`` when a company's word is cut short ("Tech"/"Technology"),
and count as nothing under
``TOKEN_FLOOR``. A company's generic words (rigour's organisation classes: "Company", "Trading")
cost a third when left unpaired. Two adjacent parts may also pair
with one ("Abu Bakr"/"Abubakr", "Jin Ping"/"Jinping"). Pairs are taken greedily, best first, each
part once, so word order does not matter. The score is

    score = sum(s * w) / (sum(w) + sum(penalty(role) * role_weight))   over pairs / unpaired parts

where a pair's ``w`` is the role weight of its parts times how rare they are on the list
(``names.informativeness``): a match on "Maria Garcia" is weaker evidence than one on a rare family
name, while what is left unpaired weighs by its role alone. An unpaired given or family name
costs fully, a middle name or a patronymic little, a particle or an initial almost nothing. Two
different numbers left unpaired halve the score (vessel 1 and vessel 2 are two vessels). A pairing
without one word matched at ``STRONG`` or better scores 0. The pairing runs on a canonical order of
the two names, so the measure is exactly symmetric; it lies in 0..1 and is 1 for the same parts.

The index
---------
``NameIndex`` holds every listed name and alias, parsed. To screen a query it looks up, per query
part (and per joined pair of adjacent parts), the listed *words* that share a blocking key with it
(first three letters, last three letters, a consonant skeleton, rigour's metaphone, or a name
symbol), keeps those within ``TOKEN_FLOOR``, follows the postings to the names that contain them,
drops the names whose upper bound is under the cutoff, and scores the rest with the same pairing
as ``name_similarity``, so the index gives the score of the direct measure.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Indel, JaroWinkler
from rigour.text import metaphone

from apps.fraud import names
from apps.fraud.names import ParsedName, Part, informativeness, parse

TOKEN_FLOOR = 0.82
STRONG = 0.86
SYMBOL_SIM = 0.95
INITIAL_SIM = 0.90
FOLD_SIM = 0.93
CONSONANTS_SIM = 0.90
# Candidate words are fetched with plain Jaro-Winkler first; the measure is never above it by more
# than what a symbol or a skeleton adds, which the blocking keys fetch on their own.
_FETCH_FLOOR = 0.70

ROLE_WEIGHT = {
    "given": 1.0,
    "middle": 0.8,
    "family": 1.2,
    "name": 1.0,
    "particle": 0.15,
    "initial": 0.35,
    "number": 1.0,
    "syllable": 0.8,
}
UNPAIRED_PENALTY = {
    "given": 1.0,
    "middle": 0.25,
    "family": 1.0,
    "name": 0.8,
    "particle": 0.05,
    "initial": 0.3,
    "number": 0.6,
    "syllable": 1.0,
}
NUMBER_CLASH = 0.5
ORDER_CLASH = 0.75
SECOND_FAMILY_NAME = 0.15
FIRST_FAMILY_NAME = 0.6
SINGLE_WORD_FUZZY = 0.9
SINGLE_WORD_LITERAL = 0.90
GENERIC_WORD = 0.35

_SKELETON_CLASS = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}
# "wo" (ㅝ) stays: Kwon is 권, not 건 (Geon/Kon), however alike the Latin looks.
_KOREAN = (("eo", "o"), ("eu", "u"), ("oo", "u"), ("ee", "i"), ("ae", "e"))
_KOREAN_INITIAL = {"g": "k", "b": "p", "d": "t", "j": "ch", "r": "l"}
# Family names whose usual Latin spellings share no rule with the Revised Romanization.
_KOREAN_FAMILY = {"lee": "i", "yi": "i", "rhee": "i", "ri": "i", "li": "i", "park": "pak", "bak": "pak",
                  "choi": "che", "choe": "che", "roh": "no", "noh": "no", "rho": "no"}  # fmt: skip


def skeleton(token: str) -> str:
    """A transliteration-tolerant key: consonant classes, vowels dropped, repeats collapsed."""
    out: list[str] = []
    for ch in token:
        code = _SKELETON_CLASS.get(ch, ch if ch.isdigit() else "")
        if code and (not out or out[-1] != code):
            out.append(code)
    return "".join(out[:3])


@functools.lru_cache(maxsize=100_000)
def _syllable_key(token: str) -> str:
    """One romanisation for the many of a CJK syllable (Gim/Kim, Jeong/Jong/Chong, Eun/Un)."""
    token = _KOREAN_FAMILY.get(token, token)
    for old, new in _KOREAN:
        token = token.replace(old, new)
    if token[:1] in _KOREAN_INITIAL:
        token = _KOREAN_INITIAL[token[0]] + token[1:]
    return token


# Spellings of one sound in the Latin transliterations of Slavic, German, Polish and French
# (Janukowytsch / Yanukovych, Wiktor / Viktor, Dmitrij / Dmitriy): longest first.
_FOLDS = (
    ("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("cz", "ch"), ("sz", "sh"), ("ck", "k"),
    ("kh", "h"), ("ph", "f"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("w", "v"), ("j", "y"),
    ("x", "ks"), ("q", "k"), ("y", "i"),
)  # fmt: skip


@functools.lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """One spelling for the transliteration habits of several languages (see ``_FOLDS``)."""
    for old, new in _FOLDS:
        token = token.replace(old, new)
    return "".join(ch for i, ch in enumerate(token) if i == 0 or token[i - 1] != ch)


def _is_arabic(part: Part) -> bool:
    return bool(part.orig) and "\u0600" <= part.orig[0] <= "\u06ff"


# How the Latin spellings of Arabic and Persian names write each letter. A consonant may have
# several (ق is q in Qasim, k in Kassem, gh in Persian Naghdi; ض is d in Arabic Rida, z in Persian
# Reza) and may be doubled (the shadda is not written); the long vowels and glides are written
# with their vowels (سعيد is Said or Saeed, never Saud); alif, hamza and ayn are a vowel or
# nothing; the short vowels, which Arabic script does not write, may stand between letters.
_VOWELS = ("a", "e", "i", "o", "u")
_ARABIC_CONSONANTS = {
    "ب": "b", "پ": "p", "ت": "t", "ط": "t", "ث": "th|s|t", "ج": "j|g|dj|dzh|zh", "چ": "ch|tch|c",
    "ح": "h", "خ": "kh|h|x|ch|k", "د": "d", "ذ": "dh|z|d|th", "ر": "r", "ز": "z", "ژ": "zh|j|z",
    "س": "s", "ص": "s", "ش": "sh|ch|sch|s", "ض": "d|dh|z", "ظ": "z|dh|th|d", "غ": "gh|g|rh",
    "ف": "f|ph|v", "ق": "q|k|g|gh|c|ck", "ك": "k|c|ck|q", "ک": "k|c|ck|q", "گ": "g", "ل": "l",
    "م": "m", "ن": "n", "\u0647": "h",  # heh
}  # fmt: skip

# A piece of a spelling: one of ``spellings``, repeated ``least`` to ``most`` times (None: no end).
Piece = tuple[tuple[str, ...], int, int | None]
_SHORT_VOWEL: Piece = (_VOWELS, 0, 1)
_ARABIC_VOWELS: dict[str, tuple[Piece, ...]] = {
    **dict.fromkeys("اأإآٱ", ((_VOWELS, 1, 2),)),  # a long vowel (only a seat at the start)
    **dict.fromkeys("عءئؤ", ((_VOWELS, 0, 2),)),
    "و": ((_VOWELS, 0, None), (("w", "v", "u", "o"), 1, 1), (("o", "u", "w"), 0, None)),
    **dict.fromkeys("يی", ((_VOWELS, 0, None), (("y", "i", "e"), 1, 1), (("i", "e", "y"), 0, None))),
    "ى": (((*_VOWELS, "y"), 1, None),),  # alif maqsura: Musa, Mustafa, Yahya
    "ة": ((("a", "ah", "at", "e", "eh", "et"), 0, 1),),  # ta marbuta: Hamza, Fatimah, Jabhat before a word
}
_ARABIC_FINAL_HA: Piece = (("h", "e", "a", "eh", "ah"), 0, 1)  # Persian Zadeh, Zade; Arabic Allah


@functools.lru_cache(maxsize=50_000)
def _arabic_spellings(word: str) -> tuple[Piece, ...] | None:
    """The Latin spellings of ``word`` (in Arabic script) as pieces, or None when it has no consonant."""
    letters: list[tuple[Piece, ...]] = []
    if word.startswith("ال") and len(word) > 3:
        # The article may be written apart ("al-Assad" parsed as "al" and "assad") or joined.
        letters.append(((("al", "el"), 0, 1),))
        word = word[2:]
    consonants = 0
    for i, ch in enumerate(word):
        if ch == "\u0647" and i == len(word) - 1:
            letters.append((_ARABIC_FINAL_HA,))
        elif ch in _ARABIC_CONSONANTS:
            letters.append(((tuple(_ARABIC_CONSONANTS[ch].split("|")), 1, None),))
            consonants += 1
        elif ch in _ARABIC_VOWELS:
            letters.append(((_VOWELS, 0, 2),) if i == 0 and ch in "اأإآٱ" else _ARABIC_VOWELS[ch])
    if not consonants:
        return None
    pieces: list[Piece] = []
    for k, letter in enumerate(letters):
        if k:
            pieces.append(_SHORT_VOWEL)  # the short vowels Arabic script does not write
        pieces.extend(letter)
    return tuple(pieces)


def _spells(pieces: tuple[Piece, ...], text: str) -> bool:
    """Whether ``text`` is exactly one of the spellings ``pieces`` allow.

    Tracks the set of positions reachable after each piece, so a long or crafted name costs
    pieces times length times spellings, never the exponential time a backtracking regex can take.
    """
    here = {0}
    for spellings, least, most in pieces:
        reached: set[int] = set(here) if least == 0 else set()
        frontier, seen, count = here, set(here), 0
        while frontier and (most is None or count < most):
            count += 1
            frontier = {p + len(s) for p in frontier for s in spellings if text.startswith(s, p)}
            if count >= least:
                reached |= frontier
            if most is None:
                frontier -= seen  # positions already expanded repeat nothing new
                seen |= frontier
        here = reached
        if not here:
            return False
    return len(text) in here


def _arabic_spelling(arabic: Part, latin: Part) -> float:
    """How surely ``latin`` spells the Arabic-script word of ``arabic`` (0 when it cannot)."""
    pieces = _arabic_spellings(arabic.orig)
    if pieces is None or not _spells(pieces, latin.text):
        return 0.0
    written = [ch for ch in latin.text if ch not in "aeiou"]
    consonants = sum(1 for i, ch in enumerate(written) if i == 0 or written[i - 1] != ch)
    # Three or more consonants in the same order are the word as Arabic script writes it.
    if consonants >= 3:
        return CONSONANTS_SIM
    return STRONG if len(latin.text) > 2 and len(arabic.text) > 2 else 0.0


@functools.lru_cache(maxsize=500_000)
def _word_similarity(a: str, b: str) -> float:
    return (JaroWinkler.similarity(a, b) + Indel.normalized_similarity(a, b)) / 2


def part_similarity(p: Part, q: Part) -> float:
    """How alike two parts are, 0..1 (see the module docstring); 0 under TOKEN_FLOOR."""
    if p.role == "number" or q.role == "number":
        return 1.0 if p.text == q.text else 0.0
    if p.role == "syllable" or q.role == "syllable":
        if p.orig and q.orig and p.role == q.role == "syllable":
            return 1.0 if p.orig == q.orig else 0.0
        return 1.0 if _syllable_key(p.text) == _syllable_key(q.text) else 0.0
    if p.role == "initial" or q.role == "initial":
        if p.role == q.role:
            return 1.0 if p.text == q.text else 0.0
        return INITIAL_SIM if p.text[:1] == q.text[:1] else 0.0
    if p.text == q.text:
        return 1.0
    s = _word_similarity(p.text, q.text)
    shared = p.symbols & q.symbols
    if shared and (p.orig or q.orig or s >= 0.6 or any(x.startswith(("NICK:", "SYMBOL:")) for x in shared)):
        # Across scripts a shared name symbol is the evidence; within Latin, rigour's symbols also
        # tie names of different languages (Vietnamese Dang, Chinese Teng) that are not spellings.
        s = max(s, SYMBOL_SIM)
    if _is_arabic(p) or _is_arabic(q):
        if _is_arabic(p) != _is_arabic(q) and not (p.orig and q.orig):
            # Arabic script writes few vowels: is the Latin word one way of spelling its letters?
            arabic, latin = (p, q) if _is_arabic(p) else (q, p)
            s = max(s, _arabic_spelling(arabic, latin))
    elif s < FOLD_SIM and len(p.text) >= 4 and len(q.text) >= 4 and fold(p.text) == fold(q.text):
        s = FOLD_SIM
    elif s < STRONG and p.role == q.role == "name" and _abbreviates(p.text, q.text):
        s = STRONG
    return s if s >= TOKEN_FLOOR else 0.0


def _abbreviates(a: str, b: str) -> bool:
    """A company's word cut short (Tech / Technology, Petro / Petroleum), four letters at least."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and len(long) >= len(short) + 3 and long.startswith(short)


def _weight(part: Part) -> float:
    return ROLE_WEIGHT[part.role] * informativeness(part.text)


def _unpaired(part: Part) -> float:
    cost = ROLE_WEIGHT[part.role] * UNPAIRED_PENALTY[part.role]
    if part.role == "name":
        # A company's generic words (Trading, International, Group) are common on the list and
        # their absence says little; a person's given or family name always costs its full weight.
        cost *= informativeness(part.text)
        if names.generic_org_word(part.text):
            cost *= GENERIC_WORD
    return cost


@dataclass(frozen=True)
class Pairing:
    score: float
    pairs: tuple[tuple[str, str, float], ...]  # (part(s) of a, part(s) of b, similarity)
    unpaired_a: tuple[str, ...]
    unpaired_b: tuple[str, ...]

    def swapped(self) -> Pairing:
        return Pairing(self.score, tuple((y, x, s) for x, y, s in self.pairs), self.unpaired_b, self.unpaired_a)


_EMPTY = Pairing(0.0, (), (), ())


def _joined(parts: Sequence[Part]) -> list[tuple[tuple[int, int], Part]]:
    """Parts written as one word: (the indices of the two parts, the joined part)."""
    out: list[tuple[tuple[int, int], Part]] = []
    if len(parts) >= 3 and parts[0].role == "given" and parts[-1].role == "family":
        # Given and family name typed as one word, without the middle names between them.
        out.append(((0, len(parts) - 1), Part(parts[0].text + parts[-1].text, "name")))
    for i in range(len(parts) - 1):
        a, b = parts[i], parts[i + 1]
        if a.role == "number" or b.role == "number" or a.role == "initial" or b.role == "initial":
            continue
        role = "syllable" if a.role == b.role == "syllable" else "name"
        orig = a.orig + b.orig if a.orig and b.orig and role == "syllable" else ""
        out.append(((i, i + 1), Part(a.text + b.text, role, frozenset(), orig)))
    return out


def _score(a: Sequence[Part], b: Sequence[Part]) -> Pairing:
    """Pair and score two part sequences given in canonical order."""
    scored: list[tuple[float, int, tuple[int, ...], tuple[int, ...]]] = []
    for i, pa in enumerate(a):
        for j, pb in enumerate(b):
            s = part_similarity(pa, pb)
            if s:
                scored.append((s, 2, (i,), (j,)))
    for ja, pa in _joined(a):
        for j, pb in enumerate(b):
            if pb.role not in ("number", "initial", "particle"):
                s = _joined_similarity(pa, pb)
                if s:
                    scored.append((s, 3, ja, (j,)))
    for jb, pb in _joined(b):
        for i, pa in enumerate(a):
            if pa.role not in ("number", "initial", "particle"):
                s = _joined_similarity(pb, pa)
                if s:
                    scored.append((s, 3, (i,), jb))
    if not scored:
        return Pairing(0.0, (), tuple(p.text for p in a), tuple(p.text for p in b))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[str, str, float]] = []
    num = den = 0.0
    strong = False
    literal = 0.0
    order: list[tuple[int, int]] = []
    for s, _, ia, ib in sorted(scored, key=lambda x: (-x[0], -x[1], x[2], x[3])):
        if used_a.intersection(ia) or used_b.intersection(ib):
            continue
        used_a.update(ia)
        used_b.update(ib)
        w = (sum(_weight(a[i]) for i in ia) + sum(_weight(b[j]) for j in ib)) / 2
        num += s * w
        den += w
        if s >= STRONG and any(a[i].role not in ("particle", "initial") for i in ia):
            strong = True
        pairs.append((" ".join(a[i].text for i in ia), " ".join(b[j].text for j in ib), s))
        if len(ia) == len(ib) == 1:
            literal = max(literal, _literal_similarity(a[ia[0]], b[ib[0]]))
            if "syllable" in (a[ia[0]].role, b[ib[0]].role):
                order.append((ia[0], ib[0]))
        else:
            literal = max(literal, s)
    rest_a = [p for i, p in enumerate(a) if i not in used_a]
    rest_b = [p for j, p in enumerate(b) if j not in used_b]
    den += _rest_penalty(a, used_a) + _rest_penalty(b, used_b)
    score = num / den if strong and den else 0.0
    words_a = sum(p.role not in ("particle", "initial", "number") for p in a)
    words_b = sum(p.role not in ("particle", "initial", "number") for p in b)
    if min(words_a, words_b) == 1 and literal < SINGLE_WORD_LITERAL:
        # One word is little evidence: it has to be that word, not one like it nor one that
        # another language writes for it (Vietnamese Tran, Hokkien Tan).
        score *= SINGLE_WORD_FUZZY
    if not _in_order(order):
        # Syllables of a Chinese or Korean given name in another order are another name
        # (Kwang Su is not Su Kwang); the family name may stand first or last.
        score *= ORDER_CLASH
    if any(p.role == "number" for p in rest_a) and any(p.role == "number" for p in rest_b):
        score *= NUMBER_CLASH
    return Pairing(score, tuple(pairs), tuple(p.text for p in rest_a), tuple(p.text for p in rest_b))


def _literal_similarity(p: Part, q: Part) -> float:
    """The similarity without name symbols between Latin words (across scripts they stay)."""
    if p.orig or q.orig or p.role in ("number", "syllable", "initial") or q.role in ("number", "syllable", "initial"):
        return part_similarity(p, q)
    return 1.0 if p.text == q.text else _word_similarity(p.text, q.text)


def _in_order(pairs: list[tuple[int, int]]) -> bool:
    """True when the paired positions keep their order, up to moving the family name to the end."""
    if len(pairs) < 3:
        return True
    other = [j for _, j in sorted(pairs)]
    descents = sum(1 for x, y in itertools.pairwise(other) if y < x)
    return descents == 0 or (descents == 1 and other[-1] < other[0])


def _rest_penalty(parts: Sequence[Part], used: set[int]) -> float:
    """What the unpaired parts cost. A second family name costs little once one is paired:
    Spanish and Portuguese names drop the mother's family name all the time; a second middle
    name costs a quarter of the first."""
    family_paired = any(parts[i].role == "family" for i in used)
    first_family = next((i for i, p in enumerate(parts) if p.role == "family"), -1)
    total = 0.0
    middles = 0
    for i, part in enumerate(parts):
        if i in used:
            continue
        cost = _unpaired(part)
        if part.role == "family" and family_paired:
            # The name dropped is the mother's, written second in Spanish: "Rafael Caro" is
            # Rafael Caro Quintero far more often than "Rafael Quintero" is.
            cost *= FIRST_FAMILY_NAME if i == first_family else SECOND_FAMILY_NAME
        if part.role == "middle":
            # Dropping middle names is one habit however many there are (a long Arabic nasab is
            # shortened to given and family name as a whole).
            middles += 1
            cost *= 1.0 if middles == 1 else 0.25
        total += cost
    return total


def _joined_similarity(joined: Part, single: Part) -> float:
    if joined.role == "syllable" or single.role == "syllable":
        if joined.orig and single.orig:
            return 1.0 if joined.orig == single.orig else 0.0
        return 1.0 if _syllable_key(joined.text) == _syllable_key(single.text) else 0.0
    if _is_arabic(single) and not joined.orig:
        # Persian writes some given names as one word (محمدرضا, Mohammad Reza).
        return _arabic_spelling(single, joined)
    s = _word_similarity(joined.text, single.text)
    return s if s >= STRONG else 0.0


def _canonical(a: ParsedName, b: ParsedName) -> bool:
    """True when (a, b) must be swapped to be in canonical order."""
    ka = (len(a.parts), a.tokens, tuple(p.role for p in a.parts), tuple(p.orig for p in a.parts))
    kb = (len(b.parts), b.tokens, tuple(p.role for p in b.parts), tuple(p.orig for p in b.parts))
    return ka > kb


_NOT_PEOPLE = frozenset({names.ORGANISATION, names.VESSEL, names.AIRCRAFT})
_PERSON_ROLES = frozenset({"given", "middle", "family"})


@functools.lru_cache(maxsize=4096)
def _as_thing(parsed: ParsedName) -> ParsedName:
    """A name of unknown kind read as a company's or vessel's: no given or family names."""
    parts = tuple(Part(p.text, "name", p.symbols, p.orig) if p.role in _PERSON_ROLES else p for p in parsed.parts)
    return ParsedName(parsed.raw, parsed.kind, parts, parsed.legal)


_CRAFT = frozenset({names.VESSEL, names.AIRCRAFT})


@functools.lru_cache(maxsize=4096)
def _as_craft(raw: str, kind: str) -> ParsedName:
    return parse(raw, kind)


def parsed_pairing(a: ParsedName, b: ParsedName) -> Pairing:
    """Score two parsed names (see the module docstring); symmetric in a and b."""
    if not a.parts or not b.parts:
        return Pairing(0.0, (), a.tokens, b.tokens)
    # A name of unknown kind against a company's is scored as a company's name: "Plaza Milenio
    # Mall" has no family name whose absence would cost like a person's.
    if a.kind == names.UNKNOWN and b.kind in _NOT_PEOPLE:
        a = _as_thing(a)
    elif b.kind == names.UNKNOWN and a.kind in _NOT_PEOPLE:
        b = _as_thing(b)
    # A vessel or aircraft has no legal form: a word taken for one (Yu of "Yu Song 12", a form in
    # rigour's tables) is part of its name.
    if a.legal and b.kind in _CRAFT:
        a = _as_craft(a.raw, b.kind)
    elif b.legal and a.kind in _CRAFT:
        b = _as_craft(b.raw, a.kind)
    if _canonical(a, b):
        return _score(b.parts, a.parts).swapped()
    return _score(a.parts, b.parts)


class NameTokens(tuple[str, ...]):
    """The tokens of a name, carrying the parsed name they come from."""

    parsed: ParsedName

    def __new__(cls, parsed: ParsedName) -> NameTokens:
        obj = super().__new__(cls, parsed.tokens)
        obj.parsed = parsed
        return obj


def name_tokens(name: str, kind: str = names.UNKNOWN) -> NameTokens:
    """The normalised parts of ``name``, in reading order ("LAST, First" becomes first last)."""
    return NameTokens(parse(name, kind))


def normalise(name: str) -> str:
    """ASCII, case-folded, punctuation-, title- and legal-form-free form of ``name``."""
    return " ".join(name_tokens(name))


def name_similarity(a: str, b: str, *, kind: str = names.UNKNOWN) -> float:
    """How alike two names are, 0..1, symmetric (see the module docstring)."""
    return parsed_pairing(parse(a, kind), parse(b, kind)).score


# --- secondary identifiers -------------------------------------------------------------------


BIRTH_YEAR_AGREES = 0.05
BIRTH_YEAR_DIFFERS = -0.10
COUNTRY_AGREES = 0.02
COUNTRY_DIFFERS = -0.05
IMO_AGREES = 0.15
IMO_DIFFERS = -0.30
# A listed vessel found by its IMO number alone, whatever it is called now: sanctioned vessels
# are renamed and reflagged, the number stays with the hull.
IMO_ONLY = 0.95


def secondary_evidence(
    entry: ListedEntry, *, birth_year: int | None = None, country: str | None = None, imo: str | None = None
) -> tuple[float, list[str]]:
    """How much the identifiers besides the name move the score, and why.

    Agreement raises the score a little, contradiction lowers it more: identifiers are often
    missing or wrong in payment data, so they tell homonyms apart without hiding a strong name match
    on their own. An IMO number is an identity: agreeing on it is near proof, differing near
    disproof.
    """
    delta = 0.0
    notes: list[str] = []
    if birth_year and entry.birth_years:
        if any(abs(birth_year - y) <= 1 for y in entry.birth_years):
            delta += BIRTH_YEAR_AGREES
            notes.append(f"birth year {birth_year} agrees (+{BIRTH_YEAR_AGREES:.2f})")
        else:
            delta += BIRTH_YEAR_DIFFERS
            years = ", ".join(map(str, entry.birth_years))
            notes.append(f"birth year {birth_year} differs from {years} ({BIRTH_YEAR_DIFFERS:.2f})")
    if country and entry.countries:
        if country in entry.countries:
            delta += COUNTRY_AGREES
            notes.append(f"country {country} agrees (+{COUNTRY_AGREES:.2f})")
        else:
            delta += COUNTRY_DIFFERS
            notes.append(f"country {country} not among {', '.join(sorted(entry.countries))} ({COUNTRY_DIFFERS:.2f})")
    if imo and entry.imo_numbers:
        wanted = "".join(ch for ch in imo if ch.isdigit())
        if wanted in entry.imo_numbers:
            delta += IMO_AGREES
            notes.append(f"IMO {wanted} agrees (+{IMO_AGREES:.2f})")
        else:
            delta += IMO_DIFFERS
            notes.append(f"IMO {wanted} differs from {', '.join(sorted(entry.imo_numbers))} ({IMO_DIFFERS:.2f})")
    return delta, notes


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedName:
    entry: int  # position in NameIndex.entries
    name: str  # as published
    alias_type: str  # "" for the primary name, else "aka" / "fka" / "nka"
    tokens: tuple[str, ...]
    parsed: ParsedName | None = None


@dataclass(frozen=True)
class ListedEntry:
    source_id: int
    name: str
    sdn_type: str  # "individual", "vessel", "aircraft" or "" (an entity)
    program: str
    birth_years: tuple[int, ...] = ()
    countries: frozenset[str] = frozenset()  # ISO 3166 alpha-2 codes where known
    imo_numbers: frozenset[str] = frozenset()  # vessels: IMO numbers, digits only


@dataclass(frozen=True)
class NameHit:
    name_index: int
    pairing: Pairing


def _listed_part(text: str) -> Part:
    role = "number" if text.isdigit() else ("initial" if len(text) == 1 else "name")
    return Part(text, role, names.symbols_of(text) if role == "name" else frozenset())


def blocking_keys(token: str) -> tuple[str, ...]:
    keys = ["p" + token[:3], "s" + skeleton(token)]
    if len(token) >= 5:
        keys.append("e" + token[-3:])
    if len(token) >= 3 and not token.isdigit():
        keys.append("m" + metaphone(token))
    if len(token) >= 4:
        keys.append("f" + fold(token))
    return tuple(keys)


@dataclass
class NameIndex:
    version: str
    entries: list[ListedEntry] = field(default_factory=list)
    names: list[ListedName] = field(default_factory=list)
    # listed word (or two adjacent words joined) -> (name, position of its first word)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    blocks: dict[str, list[str]] = field(default_factory=dict)  # blocking key -> words
    by_symbol: dict[str, list[str]] = field(default_factory=dict)  # name symbol -> words
    by_imo: dict[str, list[int]] = field(default_factory=dict)  # IMO number -> positions in entries
    _parts: dict[str, Part] = field(default_factory=dict)  # listed word -> its part, symbols included
    _by_key: dict[str, list[str]] = field(default_factory=dict)  # romanisation key -> listed words
    _expansions: dict[tuple[str, str, str], list[tuple[str, float]]] = field(default_factory=dict)
    _costs: dict[int, tuple[float, dict[int, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, version: str, entries: Iterable[tuple[ListedEntry, Iterable[tuple[str, str]]]]) -> NameIndex:
        """``entries`` yields each entry with its names as ``(name, alias_type)`` pairs."""
        index = cls(version=version)
        blocks: dict[str, set[str]] = {}
        symbols: dict[str, set[str]] = {}
        for entry, entry_names in entries:
            pos = len(index.entries)
            index.entries.append(entry)
            for imo in entry.imo_numbers:
                index.by_imo.setdefault(imo, []).append(pos)
            kind = names.kind_of_sdn_type(entry.sdn_type)
            seen: set[tuple[str, ...]] = set()
            for name, alias_type in entry_names:
                parsed = parse(name, kind)
                if not parsed.parts or parsed.tokens in seen:
                    continue
                seen.add(parsed.tokens)
                name_pos = len(index.names)
                index.names.append(ListedName(pos, name, alias_type, parsed.tokens, parsed))
                for j, part in enumerate(parsed.parts):
                    index.postings.setdefault(part.text, []).append((name_pos, j))
                    for symbol in part.symbols:
                        symbols.setdefault(symbol, set()).add(part.text)
                for (j, _), joined in _joined(parsed.parts):
                    index.postings.setdefault(joined.text, []).append((name_pos, -1 - j))
        for token in index.postings:
            index._parts[token] = _listed_part(token)
            index._by_key.setdefault(_syllable_key(token), []).append(token)
            for key in blocking_keys(token):
                blocks.setdefault(key, set()).add(token)
        index.blocks = {key: sorted(tokens) for key, tokens in blocks.items()}
        index.by_symbol = {key: sorted(tokens) for key, tokens in symbols.items()}
        return index

    def _expand(self, part: Part) -> list[tuple[str, float]]:
        """Listed words (and joined pairs) within TOKEN_FLOOR of ``part`` (cached)."""
        key = (part.text, part.role, part.orig)
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        candidates: set[str] = set()
        if part.role == "number" or part.role == "initial":
            candidates.add(part.text)
        elif part.role == "syllable":
            candidates.update(self._by_key.get(_syllable_key(part.text), ()))
        else:
            for block in blocking_keys(part.text):
                candidates.update(self.blocks.get(block, ()))
            for symbol in part.symbols:
                candidates.update(self.by_symbol.get(symbol, ()))
        found: list[tuple[str, float]] = []
        if part.role in ("number", "initial", "syllable"):
            pool = [c for c in candidates if c in self.postings]
            if part.role == "initial":
                pool = list(self.blocks.get("p" + part.text, ())) + pool
        else:
            pool = [c for c, _, _ in process.extract(part.text, list(candidates), scorer=JaroWinkler.similarity,
                                                     score_cutoff=_FETCH_FLOOR, limit=None)]  # fmt: skip
            pool += [c for symbol in part.symbols for c in self.by_symbol.get(symbol, ())]
            if len(part.text) >= 4:
                pool += self.blocks.get("f" + fold(part.text), ())
        for choice in dict.fromkeys(pool):
            listed = self._parts.get(choice) or _listed_part(choice)
            s = part_similarity(part, listed)
            if not s and part.role not in ("number", "initial"):
                s = _joined_similarity(part, listed) if len(choice) > len(part.text) else 0.0
            if s:
                found.append((choice, s))
        if len(self._expansions) > 200_000:  # bounded: a re-screen of millions must not grow forever
            self._expansions.clear()
        self._expansions[key] = found
        return found

    def _listed_costs(self, name_pos: int) -> tuple[float, dict[int, float]]:
        """What a listed name's parts cost the upper bound when no probe reaches them (cached)."""
        cached = self._costs.get(name_pos)
        if cached is None:
            parts = self.names[name_pos].parsed.parts  # type: ignore[union-attr]
            costs = {
                j: _unpaired(p) * 0.3
                for j, p in enumerate(parts)
                if p.role not in ("particle", "initial", "number", "family")
            }
            cached = (sum(costs.values()), costs)
            self._costs[name_pos] = cached
        return cached

    def _dominated(self, halves: list[Part], listed: str, joined_score: float) -> bool:
        part = self._parts.get(listed)
        if part is None or " " in listed:
            return False
        return any(part_similarity(half, part) > joined_score for half in halves)

    def search(self, tokens: tuple[str, ...], *, cutoff: float) -> list[NameHit]:
        """Listed names scoring at least ``cutoff`` against ``tokens``, best first."""
        if not tokens:
            return []
        query = tokens.parsed if isinstance(tokens, NameTokens) else parse(" ".join(tokens))
        if not query.parts:
            return []
        # Particles, initials and numbers are never the evidence a match rests on: they are paired
        # once a name is found through its other parts, but do not fetch candidates themselves.
        probes = [(i, p) for i, p in enumerate(query.parts) if p.role not in ("particle", "initial", "number")]
        joined = _joined(query.parts)
        probes += [(-1 - k, p) for k, (_, p) in enumerate(joined)]
        weights = {qi: _weight(p) for qi, p in probes}
        probed = {qi for qi, _ in probes if qi >= 0}
        unpaired_query = [_unpaired(p) for p in query.parts]
        floor = cutoff - 0.1

        def covers(qi: int) -> tuple[int, ...]:
            return (qi,) if qi >= 0 else joined[-1 - qi][0]

        def bound(matched: Iterable[int]) -> float:
            """The best a name reached only through ``matched`` probes can score (all at 1)."""
            matched = list(matched)
            total = sum(weights[qi] for qi in matched)
            covered = {i for qi in matched for i in covers(qi)}
            rest = sum(unpaired_query[i] for i in probed if i not in covered)
            return total / (total + rest) if total else 0.0

        expanded = [(qi, self._expand(part)) for qi, part in probes]
        for k, (qi, found) in enumerate(expanded):
            if qi < 0:
                # Two query parts written as one pair only with one listed word, and never when
                # one of the two alone is closer to that word (the pairing takes that one first).
                halves = [query.parts[i] for i in joined[-1 - qi][0]]
                expanded[k] = (qi, [(w, s) for w, s in found if not self._dominated(halves, w, s)])
        # Words like "Muhammad", "Ali" or "Company" reach thousands of listed names. When the names
        # reached through such words alone cannot score within reach of the cutoff, those words
        # only add to names another part has found (the rare parts are probed first).
        fanout = {qi: sum(len(self.postings[w]) for w, _ in found) for qi, found in expanded}
        expanded.sort(key=lambda x: fanout[x[0]])
        common: list[int] = []
        for qi, _ in reversed(expanded):
            if bound([*common, qi]) < floor:
                common.append(qi)
        follow_only = set(common)
        expanded.sort(key=lambda x: x[0] in follow_only)
        hits: dict[int, dict[int, float]] = {}
        seen: dict[int, set[int]] = {}
        for qi, found in expanded:
            create = qi not in follow_only
            for listed, score in found:
                for name_pos, j in self.postings[listed]:
                    bucket = hits.get(name_pos)
                    if bucket is None:
                        if create:
                            hits[name_pos] = {qi: score}
                            seen[name_pos] = {j}
                        continue
                    if bucket.get(qi, 0.0) < score:
                        bucket[qi] = score
                    seen[name_pos].add(j)
        found_hits: list[NameHit] = []
        for name_pos, matched in hits.items():
            if max(matched.values()) < STRONG:
                continue
            # Upper bound: matched query parts paired at their best; listed parts no probe reached
            # and query parts that reached nothing stay unpaired (joined pairs may cover two).
            gain = sum(s * weights[qi] for qi, s in matched.items())
            total = sum(weights[qi] for qi in matched)
            covered = {i for qi in matched for i in covers(qi)}
            rest = sum(unpaired_query[i] for i in probed if i not in covered)
            if gain / (total + rest) < floor:
                continue
            listed_total, listed_costs = self._listed_costs(name_pos)
            rest += listed_total - sum(listed_costs.get(j, 0.0) for j in seen[name_pos])
            if gain / (total + rest) < floor:
                continue
            listed_name = self.names[name_pos]
            assert listed_name.parsed is not None
            pairing = parsed_pairing(query, listed_name.parsed)
            if pairing.score >= cutoff:
                found_hits.append(NameHit(name_pos, pairing))
        found_hits.sort(key=lambda h: (-h.pairing.score, h.name_index))
        return found_hits
