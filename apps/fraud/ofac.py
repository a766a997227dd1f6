"""Reader for OFAC's legacy CSV files (sdn.csv, alt.csv, add.csv and the optional sdn_comments.csv).

All three main files are required: OFAC always publishes them, and a folder without alt.csv
would load every entry without its aliases, so a customer known to the list only by an alias
would stop being found. An empty one is refused as a truncated download.

Everything is read and checked before anything is written, so a bad file is refused whole, with
the file name and line number of the first problem.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pycountry
from rigour.territories import lookup_territory

from bankcore.errors import DomainError

EMPTY = "-0-"
_COLUMNS = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6, "sdn_comments.csv": 2}
_REQUIRED = ("sdn.csv", "alt.csv", "add.csv")
_NEVER_EMPTY = _REQUIRED
_DOS_EOF = "\x1a"
# Entry numbers are stored in a 32-bit integer column; OFAC's are positive and far below it.
_MAX_ENTRY_NUMBER = 2**31 - 1
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DOB = re.compile(r"\bDOB ([^;]*)")
_NATIONALITY = re.compile(r"\b(?:nationality|citizen) ([^;.]*)")
_IMO = re.compile(r"\bVessel Registration Identification IMO (\d{7})\b")


def imo_valid(number: str) -> bool:
    """Seven digits whose last is the check digit: the first six weighted 7 to 2, summed, mod 10."""
    if len(number) != 7 or not number.isdigit():
        return False
    return sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True)) % 10 == int(number[6])


_IMO_INPUT = re.compile(r"(?:IMO)?\s*(\d{7})", re.IGNORECASE)


def imo_parse(raw: str) -> str | None:
    """A vessel's IMO number as given ("IMO 9187629", "9187629"): its seven digits, or None when
    it is not one (wrong length or check digit)."""
    found = _IMO_INPUT.fullmatch(raw.strip())
    return found.group(1) if found and imo_valid(found.group(1)) else None


def imo_numbers(remarks: str) -> frozenset[str]:
    """A vessel's IMO numbers in OFAC's remarks ("Vessel Registration Identification IMO 9187629").

    Kept as published, check digit or not (a few are not): a payment may copy the list's number.
    OFAC's "Company Number IMO …" identifies a ship owner, not a vessel, and is left out.
    """
    return frozenset(_IMO.findall(remarks))


class SanctionsFileInvalid(DomainError):
    """A sanctions list file cannot be read; the message names the file and line."""

    code = "sanctions_file_invalid"


@dataclass
class OfacEntry:
    source_id: int
    name: str
    sdn_type: str
    program: str
    title: str
    remarks: str
    aliases: list[dict[str, str]] = field(default_factory=list)
    addresses: list[dict[str, str]] = field(default_factory=list)

    def birth_years(self) -> list[int]:
        years: set[int] = set()
        for dob in _DOB.findall(self.remarks):
            years.update(int(y) for y in _YEAR.findall(dob))
        return sorted(years)

    def imo_numbers(self) -> frozenset[str]:
        return imo_numbers(self.remarks)

    def countries(self) -> list[str]:
        names = [a["country"] for a in self.addresses if a.get("country")]
        names += [m.strip() for m in _NATIONALITY.findall(self.remarks)]
        codes = {code for code in map(country_code, names) if code}
        return sorted(codes)

    def as_record(self) -> dict[str, object]:
        """What is stored; its hash tells a changed entry from an unchanged one."""
        return {
            "name": self.name,
            "sdn_type": self.sdn_type,
            "program": self.program,
            "title": self.title,
            "remarks": self.remarks,
            "aliases": self.aliases,
            "addresses": self.addresses,
            "birth_years": self.birth_years(),
            "countries": self.countries(),
        }


@dataclass
class OfacList:
    entries: dict[int, OfacEntry]
    version: str  # sha256 of the files' bytes: the same files always give the same version
    list_date: date  # newest file modification date: the legacy CSV carries no publication date


@functools.lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO 3166 alpha-2 code for a country name or code, or None when unknown.

    The list writes countries its own way ("Korea, North", "Russia", "Burma", "Congo, Democratic
    Republic of the", "Region: Gaza"), which ISO's names do not cover: rigour's territories (the
    list publishers' own vocabulary) read them, and a part of a country (Crimea) counts as the
    country. A territory with no alpha-2 code of its own today (a historical state) is None.
    """
    name = name.strip()
    if not name:
        return None
    territory = lookup_territory(name)
    while territory is not None and len(territory.code) != 2 and territory.parent is not None:
        territory = territory.parent
    if territory is not None and len(territory.code) == 2:
        return territory.code.upper()
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


def _value(raw: str) -> str:
    raw = raw.strip()
    return "" if raw == EMPTY else raw


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SanctionsFileInvalid(f"{path.name}: line {line}: not UTF-8 text") from None
    # The csv module reads NUL as text, but PostgreSQL cannot store it (text nor jsonb).
    nul = text.find("\x00")
    if nul >= 0:
        raise SanctionsFileInvalid(f"{path.name}: line {text[:nul].count(chr(10)) + 1}: a NUL character")
    return text


def _rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    expected = _COLUMNS[path.name]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not row or row == [_DOS_EOF] or all(not cell.strip() for cell in row):
                continue
            if len(row) != expected:
                raise SanctionsFileInvalid(
                    f"{path.name}: line {reader.line_num}: {len(row)} columns, expected {expected}"
                )
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise SanctionsFileInvalid(f"{path.name}: line {reader.line_num}: broken quoting ({exc})") from None
    if not rows and path.name in _NEVER_EMPTY:
        raise SanctionsFileInvalid(f"{path.name}: line 1: the file is empty")
    return rows


def _int(path: Path, line: int, raw: str) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        raise SanctionsFileInvalid(f"{path.name}: line {line}: {raw.strip()!r} is not an entry number") from None
    if not 1 <= number <= _MAX_ENTRY_NUMBER:
        raise SanctionsFileInvalid(f"{path.name}: line {line}: entry number {number} is out of range")
    return number


def _fits(path: Path, line: int, what: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise SanctionsFileInvalid(f"{path.name}: line {line}: the {what} is longer than {limit} characters")
    return value


def files_version(directory: Path) -> str:
    """The version ``read_ofac`` would give, from the bytes alone (cheap: nothing is parsed)."""
    digest = hashlib.sha256()
    for name in _COLUMNS:
        path = directory / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def read_ofac(directory: Path) -> OfacList:
    """Read and check the files in ``directory``; raises SanctionsFileInvalid."""
    texts: dict[str, str] = {}
    digest = hashlib.sha256()
    newest = 0.0
    for name in _COLUMNS:
        path = directory / name
        if not path.is_file():
            if name in _REQUIRED:
                raise SanctionsFileInvalid(f"{name}: line 0: file not found in {directory}")
            continue
        data = path.read_bytes()
        digest.update(name.encode() + b"\0" + data + b"\0")
        newest = max(newest, path.stat().st_mtime)
        texts[name] = _decode(path, data)

    entries: dict[int, OfacEntry] = {}
    sdn = directory / "sdn.csv"
    for line, row in _rows(sdn, texts["sdn.csv"]):
        source_id = _int(sdn, line, row[0])
        if source_id in entries:
            raise SanctionsFileInvalid(f"sdn.csv: line {line}: entry {source_id} appears twice")
        name = _value(row[1])
        if not name:
            raise SanctionsFileInvalid(f"sdn.csv: line {line}: entry {source_id} has no name")
        # Several programs arrive as "SDGT] [SDT" (the list's own bracket quirk).
        program = ", ".join(p.strip(" []") for p in _value(row[3]).split("] [") if p.strip(" []"))
        entries[source_id] = OfacEntry(
            source_id=source_id,
            # The lengths of the columns they are stored in (SanctionsEntry).
            name=_fits(sdn, line, "name", name, 500),
            sdn_type=_fits(sdn, line, "type", _value(row[2]).lower(), 20),
            program=_fits(sdn, line, "program", program, 200),
            title=_value(row[4]),
            remarks=_value(row[11]),
        )
    for file_name, attach in (("alt.csv", _attach_alias), ("add.csv", _attach_address)):
        if file_name not in texts:
            continue
        path = directory / file_name
        for line, row in _rows(path, texts[file_name]):
            source_id = _int(path, line, row[0])
            entry = entries.get(source_id)
            if entry is None:
                raise SanctionsFileInvalid(f"{file_name}: line {line}: entry {source_id} is not in sdn.csv")
            attach(entry, row)
    if "sdn_comments.csv" in texts:
        path = directory / "sdn_comments.csv"
        for line, row in _rows(path, texts["sdn_comments.csv"]):
            entry = entries.get(_int(path, line, row[0]))
            # The overflow continues the remarks mid-text: keep it as is, spaces included.
            if entry is not None and row[1].strip() != EMPTY:
                entry.remarks = f"{entry.remarks}{row[1].rstrip()}"
    return OfacList(
        entries=entries,
        version=digest.hexdigest()[:16],
        list_date=datetime.fromtimestamp(newest, tz=UTC).date(),
    )


def _attach_alias(entry: OfacEntry, row: list[str]) -> None:
    name = _value(row[3])
    if name:
        alias_type = _value(row[2]).lower().replace(".", "")
        entry.aliases.append({"type": alias_type, "name": name, "remarks": _value(row[4])})


def _attach_address(entry: OfacEntry, row: list[str]) -> None:
    entry.addresses.append(
        {"address": _value(row[2]), "city": _value(row[3]), "country": _value(row[4]), "remarks": _value(row[5])}
    )
