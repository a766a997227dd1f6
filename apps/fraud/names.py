"""Names taken apart for screening: parts with a role, a weight and the symbols they stand for.

Pure Python on top of ``rigour`` (OpenSanctions' name handling), so it is unit-tested and
benchmarked without a database. ``apps.fraud.matching`` scores two parsed names; this module only
decides what a name is made of.

What a part is
--------------
A name becomes a tuple of ``Part`` in reading order ("LAST, First" is put back in order and its
family name remembered). Each part has:

- ``text``: the comparable Latin form (rigour's transliteration; Chinese, Japanese and Korean are
  split into one part per character or syllable, which is how their Latin spellings are written);
- ``orig``: the part in its own script when that script is not Latin, so that two names in the same
  non-Latin script are compared character by character (one changed Hangul syllable or Han
  character is another person, however close the romanisations look);
- ``role``: ``given`` / ``middle`` / ``family`` for people where the order says so, ``name`` for
  any other word, ``particle`` (al, bin, de, van...), ``initial``, ``number`` (digits, number words
  and ordinals all become digits: "Forty-Four", "44th" and "44" are one part ``44``) or
  ``syllable`` (a romanised CJK character: it must match exactly);
- ``symbols``: rigour's name symbols (Wikidata name items and nicknames), which tie "أسامة" to
  "Usama" and "Osama", and "Bill" to "William", without any spelling in common.

Honorifics and titles (rigour's person prefixes, plus the common ones of the languages customers
write in) and legal forms (rigour's org types, in every language it knows, "Aktiengesellschaft"
and "AG" alike, also when written in Cyrillic letters) say nothing about who a party is: they are
removed, and the legal forms kept aside (``ParsedName.legal``) for the explanation. So is a
nickname in double quotes.

How much a part says
--------------------
``informativeness`` is 0.35..1 from how often the word occurs among the listed names the project
ships (apps/fraud/data/ofac): a family name found once on the list says much more than
"Muhammad", "Maria" or "Garcia", which appear hundreds of times. The table is built once per
process from the shipped files, so the measure does not depend on what a database holds.
"""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from anyascii import anyascii
from rigour import _core as rigour_core
from rigour.names import (
    NameTypeTag,
    analyze_names,
    extract_org_types,
    remove_obj_prefixes,
    remove_org_prefixes,
    remove_person_prefixes,
    replace_org_types_compare,
)
from rigour.text import ascii_text

OFAC_DIR = Path(__file__).resolve().parent / "data" / "ofac"

PERSON = "person"
ORGANISATION = "organisation"
VESSEL = "vessel"
AIRCRAFT = "aircraft"
UNKNOWN = "unknown"

_KIND_OF_SDN_TYPE = {"individual": PERSON, "vessel": VESSEL, "aircraft": AIRCRAFT, "": ORGANISATION}

PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "bin",
        "ibn",
        "ben",
        "bint",
        "binti",
        "bt",
        "abu",
        "abou",
        "abd",
        "de",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "del",
        "della",
        "der",
        "den",
        "di",
        "la",
        "le",
        "los",
        "las",
        "van",
        "von",
        "ter",
        "ten",
        "zu",
        "y",
        "e",
        "et",
        "ould",
        "ag",
        "bte",
        "bn",
    ]
)
# Titles customers and lists put before a name, beyond rigour's list of person prefixes (which
# has Mr, Dr, General, President and the like in European languages). Leading ones are dropped.
_TITLES = frozenset(
    [
        "shaikh",
        "sheikh",
        "shaykh",
        "sheik",
        "cheikh",
        "haji",
        "hajji",
        "hadji",
        "alhaj",
        "alhajji",
        "mullah",
        "mulla",
        "maulana",
        "maulvi",
        "mawlawi",
        "mawlana",
        "imam",
        "sayyid",
        "sayed",
        "syed",
        "sayyed",
        "ayatollah",
        "hojatoleslam",
        "sultan",
        "emir",
        "amir",
        "prince",
        "princess",
        "king",
        "president",
        "minister",
        "general",
        "colonel",
        "major",
        "captain",
        "commander",
        "admiral",
        "marshal",
        "brigadier",
        "lieutenant",
        "prof",
        "professor",
        "dr",
        "doctor",
        "eng",
        "engr",
        "ing",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "dona",
        "don",
        "sir",
        "dame",
        "lord",
        "herr",
        "frau",
        "pan",
        "pani",
        "gospodin",
        "gospozha",
        "bey",
        "pasha",
        "effendi",
        "hon",
        "honourable",
        "honorable",
        "excellency",
        "his",
        "her",
        # Ranks and offices as abbreviated before a name ("Gen. Vladimir Padrino Lopez").
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "cdr",
        "cmdr",
        "adm",
        "brig",
        "sgt",
        "pres",
        "senator",
        "governor",
        "ambassador",
        "rev",
        "reverend",
        # Vietnamese forms of address; Anh, Chi, Em and Co are given names as often, so they stay.
        "quy",
        "ong",
        "ba",
        "ngai",
        "drg",
        "dra",
        "drs",
        "ir",
        "hj",
    ]
)
_TITLES_NATIVE = frozenset(
    [
        "السيد",
        "السيدة",
        "الآنسة",
        "السيدات",
        "الأستاذ",
        "الأستاذة",
        "الدكتور",
        "الدكتورة",
        "المهندس",
        "المهندسة",
        "الشيخ",
        "الحاج",
        "الحاجة",
        "آقای",
        "آقا",
        "خانم",
        "دکتر",
        "مهندس",
        "حاج",
        "господин",
        "госпожа",
        "г-н",  # noqa: RUF001
        "г-жа",  # noqa: RUF001
        "संमानित",
        "आदरसूचक",
        "श्री",
        "श्रीमती",
        "कुमारी",
        "डॉ",
    ]
)
# Degrees and post-nominal letters ("Isabella Siering MBA", "Jarwi Yulianti, S.Sos").
_SUFFIXES = frozenset(
    [
        "jr",
        "jnr",
        "sr",
        "snr",
        "phd",
        "md",
        "mba",
        "msc",
        "bsc",
        "ba",
        "ma",
        "llm",
        "dds",
        "esq",
        "ssos",
        "sked",
        "ssi",
        "st",
        "se",
        "mm",
        "mpd",
        "sh",
        "sp",
        "spd",
        "ssi",
        "mkom",
        "skom",
        "ipu",
        "dipl",
    ]
)

_APOSTROPHES = re.compile(r"['`\u2019\u02bc\u02bb]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ovna|evna|ovic|evic|ich|ichna|oglu|ogly|kyzy|qizi)$")
_NUMBER_WORDS = frozenset({"no", "nr", "num", "number"})
_QUOTES = '"\u201c\u201d\u201e\u00ab\u00bb'  # straight, curly and angle double quotes
# Between two words only: a company's name in quotes ends its name (JSC "Concern Kalashnikov").
_NICKNAME = re.compile(rf"(?<=\S)\s+[{_QUOTES}][^{_QUOTES}]*[{_QUOTES}]\s+(?=\S)")
_INITIAL = re.compile(r"(?<![^\W\d_])([^\W\d_])\.")
_ARABIC_ARTICLE = re.compile(r"^(al|el)(?=[a-z]{3})")
# One romanised Chinese or Korean syllable: Yong, Chol, Kwang, Hyok, Xiao; not Hafiz or Abdur.
_SYLLABLE = re.compile(r"^[bcdfghjklmnpqrstwxyz]{0,3}[aeiouy]{1,3}(ng|n|l|k|p|t|m|r)?$")
_CJK_SCRIPTS = frozenset({"Han", "Hangul", "Hiragana", "Katakana"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    role: str
    symbols: frozenset[str] = frozenset()
    orig: str = ""


@dataclass(frozen=True, slots=True)
class ParsedName:
    raw: str
    kind: str
    parts: tuple[Part, ...]
    legal: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(p.text for p in self.parts)


def kind_of_sdn_type(sdn_type: str) -> str:
    return _KIND_OF_SDN_TYPE.get(sdn_type, ORGANISATION)


# --- numbers --------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(_APOSTROPHES.sub("", text)) if t]


@functools.cache
def _number_phrases() -> dict[tuple[str, ...], int]:
    """Number words and ordinals in the languages rigour knows, as token sequences -> value."""
    phrases: dict[tuple[str, ...], int] = {}
    for value, forms in rigour_core.ordinals_dict().items():
        for form in forms:
            # Han numerals romanise to syllables of ordinary names ("si", "san", "wu"): not those.
            if any(_script(ch) in _CJK_SCRIPTS for ch in form):
                continue
            tokens = tuple(_tokens(anyascii(form).casefold()))
            if not tokens or tokens[0] in ("no", "number"):
                continue
            phrases.setdefault(tokens, value)
    return phrases


_ROMAN = re.compile(r"^[ivxlc]+$")
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th|e|er|eme|o|a|ta|to|va|vo|da|do|ste)$")


def _numbers(tokens: list[str], person: bool) -> list[tuple[str, bool]]:
    """Tokens with number words folded to digits; each flagged True when it is a number."""
    phrases = _number_phrases()
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            seq = tuple(tokens[i : i + size])
            if len(seq) < size:
                continue
            value = phrases.get(seq)
            if value is None:
                continue
            # A Roman-looking word is a name or an initial unless it ends a name that has others
            # before it ("Argo I", "Sea Star III"; not "V. Putin", "Li Wei", "Mix").
            if size == 1 and _ROMAN.match(seq[0]) and (i == 0 or i != len(tokens) - 1 or person):
                continue
            out.append((str(value), True))
            i += size
            break
        else:
            token = tokens[i]
            match = _ORDINAL_SUFFIX.match(token)
            if match:
                out.append((str(int(match.group(1))), True))
            elif token.isdigit():
                out.append((str(int(token)), True))
            else:
                out.append((token, False))
            i += 1
    # "No. 2", "Nr 2": the number is the name's, the word before it is not ("Rak Won No. 2").
    return [t for k, t in enumerate(out) if not (t[0] in _NUMBER_WORDS and k + 1 < len(out) and out[k + 1][1])]


# --- symbols and informativeness -------------------------------------------------------------


@functools.lru_cache(maxsize=200_000)
def symbols_of(word: str) -> frozenset[str]:
    """rigour's name and nickname symbols of one word, in any script."""
    if len(word) < 2 or word.isdigit():
        return frozenset()
    found: set[str] = set()
    for tag in (NameTypeTag.PER, NameTypeTag.ORG):
        for name in analyze_names(tag, [word], phonetics=False, numerics=False, consolidate=False):
            for span in name.spans:
                if len(span.parts) == 1 and span.symbol.category.value in ("NAME", "NICK", "SYMBOL"):
                    found.add(f"{span.symbol.category.value}:{span.symbol.id}")
    return frozenset(found)


@functools.lru_cache(maxsize=200_000)
def generic_org_word(word: str) -> bool:
    """True for the words rigour knows as a kind of organisation ("Company", "Trading",
    "International", "Group", "Holding"): generic parts of a company name, not its identity."""
    if len(word) < 2 or word.isdigit():
        return False
    for name in analyze_names(NameTypeTag.ORG, [word], phonetics=False, numerics=False, consolidate=False):
        for span in name.spans:
            if len(span.parts) == 1 and span.symbol.category.value == "SYMBOL":
                return True
    return False


@functools.cache
def _frequencies() -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    total = 0
    for file_name, column in (("sdn.csv", 1), ("alt.csv", 3)):
        path = OFAC_DIR / file_name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if len(row) <= column or row[column].strip() in ("", "-0-"):
                    continue
                total += 1
                counts.update(set(_tokens(anyascii(row[column]).casefold())))
    return counts, max(total, 1)


@functools.lru_cache(maxsize=200_000)
def informativeness(token: str) -> float:
    """0.35..1: how much a match on this word says (rare words say more)."""
    counts, total = _frequencies()
    df = counts.get(token, 0)
    scale = math.log((total + 1) / 2)
    value = math.log((total + 1) / (df + 1)) / scale if scale > 0 else 1.0
    weight = 0.35 + 0.65 * min(1.0, max(0.0, value))
    if len(token) <= 2:
        weight *= 0.7
    return weight


# --- parsing -------------------------------------------------------------------------------


def _script(ch: str) -> str:
    return rigour_core.codepoint_script(ord(ch)) or ""


# How the Revised Romanization writes a Hangul syllable's final consonant (the 27 finals in
# Unicode's order): the letter of the sound heard, not of the jamo written, so 식 is "sik" as
# names are spelt in Latin ("Kim Jong Sik"), where a letter-by-letter transliteration gives "sig".
_HANGUL_FINALS = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
    "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


@functools.lru_cache(maxsize=20_000)
def _romanise(ch: str) -> str:
    """One CJK character or Hangul syllable in Latin letters, lower case."""
    code = ord(ch)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        final = (code - _HANGUL_FIRST) % 28
        if final:
            return anyascii(chr(code - final)).casefold() + _HANGUL_FINALS[final]
    return anyascii(ch).casefold()


def _uncamel(word: str) -> list[str]:
    """A capital inside a word typed without spaces starts a word ("AbuBakr", "MahdiAlMuhandis"),
    but not after a short first piece ("McDonald", "DeVito", "LaToya" are one name)."""
    pieces = _CAMEL.split(word)
    if len(pieces) > 1 and len(pieces[0]) <= 2:
        pieces = [pieces[0] + pieces[1], *pieces[2:]]
    return pieces


def _latin(text: str) -> list[tuple[str, str]]:
    """Words as (Latin form, original when not Latin); CJK split into characters/syllables."""
    out: list[tuple[str, str]] = []
    for word in (piece for w in text.split() for piece in _uncamel(w)):
        if any(_script(ch) in _CJK_SCRIPTS for ch in word):
            for ch in word:
                if _script(ch) in _CJK_SCRIPTS:
                    latin = _romanise(ch)
                    if latin.strip():
                        out.append((latin, ch))
                elif ch.isalnum():
                    out.append((ascii_text(ch).casefold(), ""))
            continue
        ascii_word = ascii_text(word).casefold()
        foreign = word if not word.isascii() and any(_script(ch) not in ("Latin", "Common", "") for ch in word) else ""
        if foreign and _script(word[0]) == "Arabic":
            # Ayn and hamza come out as "?", which would split the word (إسماعيل is Ismail, not
            # "asma yl"). Latin spellings write them as a vowel (Ali, Umar, Izzat) or an apostrophe.
            ascii_word = ascii_word.replace("?", "a")
            if word.endswith("ة") and ascii_word.endswith("t"):
                # Ta marbuta ends a name as -a or -ah (Hamza, Usama, Fatimah), -at only before
                # another word (Jabhat al-Nusra), which the comparison allows for.
                ascii_word = ascii_word[:-1] + "a"
        pieces = _tokens(ascii_word)
        if foreign and _script(word[0]) == "Arabic" and len(pieces) == 1 and _ARABIC_ARTICLE.match(pieces[0]):
            # The article is written joined in Arabic script ("الأسد"), apart in Latin ("al-Assad").
            out.append((pieces[0][:2], ""))
            pieces = [pieces[0][2:]]
        for piece in pieces:
            out.append((piece, foreign if len(pieces) == 1 else ""))
    return out


def _strip_titles(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    i = 0
    while i < len(words) - 1 and (words[i][0] in _TITLES or words[i][1] in _TITLES_NATIVE):
        i += 1
    words = words[i:]
    while len(words) > 1 and words[-1][0] in _SUFFIXES:
        words = words[:-1]
    return words


def _legal_forms(text: str) -> tuple[str, list[str]]:
    # "COMPANY, LIMITED": a comma inside or before a form can hide it, or read as "LAST, First";
    # "CO., LTD." is found only with its comma. Whichever reading finds more is taken.
    spaced = re.sub(r"\s*,\s*", " ", text)
    readings = [(text, extract_org_types(text)), (spaced, extract_org_types(spaced))]
    text, matches = max(readings, key=lambda r: sum(len(found) for found, _ in r[1]))
    if not matches and not text.isascii():
        return _legal_forms_transliterated(text)
    found = [compare for _, compare in matches]
    if not found:
        return text, []
    return replace_org_types_compare(text), found


def _legal_forms_transliterated(text: str) -> tuple[str, list[str]]:
    """Forms written in another script (OOO, PAO, TOV in Cyrillic), which rigour's tables hold in Latin."""
    kept: list[str] = []
    found: list[str] = []
    for word in text.split():
        latin = ascii_text(word).strip(".,") if _script(word[0]) not in _CJK_SCRIPTS else ""
        forms = extract_org_types(latin) if latin else []
        if forms and len(forms) == 1 and len(forms[0][0]) == len(latin):
            found.append(forms[0][1])
        else:
            kept.append(word)
    return (" ".join(kept), found) if found and kept else (text, [])


def _split_comma(text: str) -> tuple[str, str] | None:
    """("LAST", "First") for a "LAST, First" name; None when the comma is a company form's."""
    if text.count(",") != 1:
        return None
    last, first = text.split(",")
    rest = _tokens(anyascii(first).casefold())
    legal = {
        t for found, compare in extract_org_types(first) for t in _tokens(anyascii(f"{found} {compare}").casefold())
    }
    if not rest or "".join(rest) in _SUFFIXES or all(t in legal or t in _SUFFIXES or t in _TITLES for t in rest):
        return None
    return last, first


def parse(name: str, kind: str = UNKNOWN) -> ParsedName:
    """Take ``name`` apart (see the module docstring). ``kind`` is one of the party kinds."""
    # Apostrophes join ("Sa'ad" is one word, not the legal form "SA" and a word "ad").
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", name)).strip()
    # A nickname in quotes between the names (Ismael "El Mayo" Zambada) is not part of the name.
    text = _NICKNAME.sub(" ", text)
    # A letter with a full stop is an initial, even one that is also a conjunction (E. Mnangagwa).
    initials = {m.group(1).casefold() for m in _INITIAL.finditer(text)}
    legal: list[str] = []
    if kind in (ORGANISATION, UNKNOWN):
        text, legal = _legal_forms(text)
    if kind in (VESSEL, AIRCRAFT):
        text = remove_obj_prefixes(text)
    elif kind == ORGANISATION:
        text = remove_org_prefixes(text)
    if legal and kind == UNKNOWN:
        kind = ORGANISATION
    family_count = 0
    split = _split_comma(text) if kind in (PERSON, UNKNOWN) or not legal else None
    if split is not None:
        last, first = split
        first_words = _strip_titles(_latin(remove_person_prefixes(first)))
        last_words = _strip_titles([*_latin(remove_person_prefixes(last)), ("", "")])[:-1]
        family_count = len(last_words)
        words = first_words + last_words
    else:
        if kind != ORGANISATION:
            text = remove_person_prefixes(text)
        # Titles are stripped from companies too: "Haji Basir Hawala" is listed with and without.
        words = _strip_titles(_latin(text))
    legal_tokens = {t for form in legal for t in _tokens(anyascii(form).casefold())}
    if legal_tokens and len(words) > 1:
        kept = [w for w in words if w[0] not in legal_tokens or w[1]]
        words = kept or words
    numbered = _numbers([w[0] for w in words], kind == PERSON)
    # Where number phrases were folded the originals no longer line up one to one.
    origs = [w[1] for w in words] if len(numbered) == len(words) else [""] * len(numbered)
    parts: list[Part] = []
    n = len(numbered)
    given_end = n - family_count
    tokens = [t for t, _ in numbered]
    # The given name is the first word that is not a particle ("Abu Mahdi": Mahdi).
    first_name = next((i for i, t in enumerate(tokens) if t not in PARTICLES), 0)
    # "KIM, Yong Chol", "WANG, Wen Chou": a romanised East Asian given name is written in
    # syllables, and every syllable of it is the given name, not a droppable middle name.
    syllabic = (
        family_count == 1
        and len(tokens[-1]) <= 5
        and 2 <= given_end <= 3
        and all(_SYLLABLE.match(t) for t in tokens[:given_end])
    )
    for i, ((token, is_number), orig) in enumerate(zip(numbered, origs, strict=True)):
        if is_number:
            role = "number"
        elif orig and _script(orig[0]) in _CJK_SCRIPTS:
            role = "syllable"
        elif token in PARTICLES and i < n - 1 and not (len(token) == 1 and (i == 0 or token in initials)):
            role = "particle"
        elif len(token) == 1 and n > 1:
            role = "initial"
        elif kind in (PERSON, UNKNOWN) and n > 1:
            if _PATRONYMIC.search(token) and len(token) > 6 and 0 < i < (given_end if family_count else n - 1):
                role = "middle"
            elif family_count and i >= given_end:
                role = "family"
            elif family_count:
                role = "given" if i <= first_name or syllabic else "middle"
            else:
                role = "given" if i <= first_name else ("family" if i == n - 1 else "middle")
        else:
            role = "name"
        symbols = frozenset() if role in ("number", "syllable", "initial") else symbols_of(orig or token)
        parts.append(Part(token, role, symbols, orig))
    return ParsedName(name, kind, tuple(parts), tuple(legal))
