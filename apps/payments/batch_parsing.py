"""Reading a bulk payout file into lines, before anything is checked or written.

Three shapes, one result (``BatchLineInput``, the text of each line as given):
- CSV, UTF-8 with a header row: ``name,iban,amount,currency,reference`` and optionally
  ``end_to_end_id`` and ``execution_date`` (YYYY-MM-DD); ``amount`` in decimal major units
  ("12.50"); a comma or a semicolon between fields;
- pain.001.001.10 (ISO 20022 customer credit transfer initiation), validated against its official
  XSD before a single element is read;
- JSON, the partner API's ``{"payments": [...]}`` with the line shape of ``payments/``.

A file that cannot be read as a whole raises ``BatchFileRefused`` with a reason (nothing is
written then); a line that is read but wrong is left for the line-by-line check to refuse.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from apps.payments.iso20022 import schemas
from apps.payments.iso20022.messages import IsoError
from bankcore.dates import iso_date
from bankcore.errors import DomainError

MAX_LINES = 10_000
MAX_FILE_BYTES = 16 * 1024 * 1024
PAIN001 = "pain.001.001.10"
PAIN001_NS = f"urn:iso:std:iso:20022:tech:xsd:{PAIN001}"
CSV_REQUIRED = ("name", "iban", "amount", "currency", "reference")
CSV_OPTIONAL = ("end_to_end_id", "execution_date")


class BatchFileRefused(DomainError):
    """The file cannot be taken as a whole; ``code`` says why (nothing was written).

    Always about the file as sent (not readable, not valid, no payments), so an input error.
    """

    status_code = 422
    code = "batch_file_invalid"
    input_error = True


@dataclass(frozen=True)
class BatchLineInput:
    """One payment of the file as written there; the line-by-line check decides if it is valid."""

    name: str
    iban: str
    amount: str
    currency: str
    reference: str = ""
    end_to_end_id: str = ""
    execution_date: str = ""  # "" for today


@dataclass(frozen=True)
class BatchFile:
    lines: list[BatchLineInput]
    message_id: str = ""
    debtor_iban: str = ""  # pain.001's DbtrAcct, when it names the paying account


def _count_check(count: int) -> None:
    if count == 0:
        raise BatchFileRefused("The file has no payments.", code="batch_empty")
    if count > MAX_LINES:
        raise BatchFileRefused(
            f"A file has at most {MAX_LINES:,} payments; this one has {count:,}. Split it into several files.",
            code="batch_too_large",
        )


def _size_check(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise BatchFileRefused(f"A file is at most {MAX_FILE_BYTES // (1024 * 1024)} MB.", code="batch_too_large")


# --- CSV -------------------------------------------------------------------------------------------


def parse_csv(data: bytes) -> BatchFile:
    """The lines of a CSV file; refused when it is not UTF-8 text with the documented header."""
    _size_check(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BatchFileRefused("The file is not UTF-8 text; save the CSV as UTF-8.", code="batch_not_csv") from None
    if "\x00" in text:
        raise BatchFileRefused("The file is not a CSV text file.", code="batch_not_csv")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        raise BatchFileRefused(
            f"The first row must name the columns {', '.join(CSV_REQUIRED)} (optional: {', '.join(CSV_OPTIONAL)});"
            f" missing: {', '.join(missing)}.",
            code="batch_csv_header",
        )
    reader.fieldnames = header
    lines: list[BatchLineInput] = []
    try:
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # a blank row, as spreadsheets write at the end
            if len(lines) >= MAX_LINES:
                _count_check(MAX_LINES + 1 + sum(1 for _ in reader))
            lines.append(_csv_line(row))
    except csv.Error as error:
        raise BatchFileRefused(
            f"The CSV cannot be read (row {reader.line_num}): {error}.", code="batch_not_csv"
        ) from None
    _count_check(len(lines))
    return BatchFile(lines=lines)


def _csv_line(row: dict[str, Any]) -> BatchLineInput:
    def cell(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    return BatchLineInput(
        name=cell("name"),
        iban=cell("iban"),
        amount=cell("amount"),
        currency=cell("currency").upper(),
        reference=cell("reference"),
        end_to_end_id=cell("end_to_end_id"),
        execution_date=cell("execution_date"),
    )


# --- pain.001.001.10 -------------------------------------------------------------------------------


def parse_pain001(data: bytes) -> BatchFile:
    """The credit transfers of a pain.001.001.10 document, once it is XML, that message and XSD-valid."""
    _size_check(data)
    try:
        root = etree.fromstring(data, schemas._parser())
    except etree.XMLSyntaxError as error:
        raise BatchFileRefused(f"The file is not XML: {error}.", code="not_xml") from None
    if root is None or root.getroottree().docinfo.doctype:
        raise BatchFileRefused("The file is not a pain.001 document (no DOCTYPE is allowed).", code="not_xml")
    name = etree.QName(root)
    if name.namespace != PAIN001_NS or name.localname != "Document":
        raise BatchFileRefused(
            f"The file is not a {PAIN001} document (its root is {root.tag}).", code="unknown_message"
        )
    try:
        schemas.validate(root, kind=PAIN001)
    except IsoError as invalid:
        raise BatchFileRefused(f"The file is {invalid}.", code="schema_invalid") from None
    ns = {"d": PAIN001_NS}

    def text(node: etree._Element, path: str) -> str:
        found = node.xpath(path, namespaces=ns)
        return str(found[0].text or "").strip() if found else ""

    transactions = root.xpath("d:CstmrCdtTrfInitn/d:PmtInf/d:CdtTrfTxInf", namespaces=ns)
    _count_check(len(transactions))
    lines: list[BatchLineInput] = []
    debtor_ibans: set[str] = set()
    for instruction in root.xpath("d:CstmrCdtTrfInitn/d:PmtInf", namespaces=ns):
        debtor_ibans.add(text(instruction, "d:DbtrAcct/d:Id/d:IBAN"))
        # ISODate is xs:date, which may carry a time zone (2026-11-02+01:00); the day is what counts.
        when = (text(instruction, "d:ReqdExctnDt/d:Dt") or text(instruction, "d:ReqdExctnDt/d:DtTm"))[:10]
        for tx in instruction.xpath("d:CdtTrfTxInf", namespaces=ns):
            amount = tx.xpath("d:Amt/d:InstdAmt", namespaces=ns)
            e2e = text(tx, "d:PmtId/d:EndToEndId")
            lines.append(
                BatchLineInput(
                    name=text(tx, "d:Cdtr/d:Nm"),
                    iban=text(tx, "d:CdtrAcct/d:Id/d:IBAN"),
                    amount=str(amount[0].text or "").strip() if amount else "",
                    currency=str(amount[0].get("Ccy") or "") if amount else "",
                    reference=text(tx, "d:RmtInf/d:Ustrd"),
                    end_to_end_id="" if e2e == "NOTPROVIDED" else e2e,
                    execution_date="" if when in ("", "1999-01-01") else when,
                )
            )
    debtor_ibans.discard("")
    if len(debtor_ibans) > 1:
        raise BatchFileRefused("A file pays from one account; this one names several.", code="batch_several_debtors")
    return BatchFile(
        lines=lines,
        message_id=text(root, "d:CstmrCdtTrfInitn/d:GrpHdr/d:MsgId"),
        debtor_iban=debtor_ibans.pop() if debtor_ibans else "",
    )


# --- JSON (the partner API) --------------------------------------------------------------------------


def parse_json(payments: Any) -> BatchFile:
    """The ``payments`` list of the API's body, each item with the line shape of ``payments/``."""
    if not isinstance(payments, list):
        raise BatchFileRefused('The body is {"payments": [...]}, a list of payments.', code="batch_not_json")
    _count_check(len(payments))
    lines = []
    for item in payments:
        if not isinstance(item, dict):
            lines.append(BatchLineInput(name="", iban="", amount="", currency=""))
            continue
        given = item.get("creditor")
        creditor: dict[str, Any] = given if isinstance(given, dict) else {}
        amount = item.get("amount")
        lines.append(
            BatchLineInput(
                name=str(creditor.get("name") or ""),
                iban=str(creditor.get("iban") or ""),
                # A float is refused here as in payments/: money is decimal text on the wire.
                amount=amount if isinstance(amount, str) else "",
                currency=str(item.get("currency") or "").upper(),
                reference=str(item.get("reference") or ""),
                end_to_end_id=str(item.get("end_to_end_id") or ""),
                execution_date=str(item.get("execution_date") or ""),
            )
        )
    return BatchFile(lines=lines)


def execution_date_of(value: str) -> date | None:
    """The line's date, None for today; raises ValueError for text that is not YYYY-MM-DD."""
    return iso_date(value) if value else None
