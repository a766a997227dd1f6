"""ISO 20022 camt.053.001.08 (bank-to-customer statement), written with lxml and validated
against the official schema in ``xsd/`` before anyone gets it.

One ``Stmt`` per document: OPBD (the balance at the end of the day before the period) and CLBD
(at the end of its last day), each with ``CdtDbtInd`` DBIT when the account is overdrawn, then
one booked ``Ntry`` per posting. Amounts are never negative in camt.053: the sign is the
indicator. An entry's ``TxDtls`` names its counterparty where the statement line has one
(``RltdPties``: ``Dbtr``/``DbtrAcct`` for money in, ``Cdtr``/``CdtrAcct`` for money out) and
the payer's reference as ``RmtInf/Ustrd``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from apps.accounts.statements.document import Statement, StatementLine
from bankcore.money import Money

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
XSD_PATH = Path(__file__).resolve().parent / "xsd" / "camt.053.001.08.xsd"

# Bank transaction codes (ISO 20022 external code list): the domain, family and sub-family of
# what a line is. Interest and fees are the bank's own account-management movements.
_BANK_TX_CODES = {
    "interest": ("ACMT", "MDOP", "INTR"),
    "fee": ("ACMT", "MDOP", "CHRG"),
    "in": ("PMNT", "RCDT", "OTHR"),
    "out": ("PMNT", "ICDT", "OTHR"),
}


# The schema's IBAN2007Identifier: an IBAN that does not match it is left out, the name kept.
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")


class InvalidStatementDocument(Exception):
    """What was written does not validate against the camt.053.001.08 schema (a programming error)."""


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        child.text = text
    return child


def _max(text: str, length: int) -> str:
    """Max<N>Text: at least one character, at most ``length``, no control characters."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return (cleaned or "-")[:length]


def _amount(parent: etree._Element, tag: str, money: Money) -> None:
    _el(parent, tag, abs(money).to_decimal_string(), Ccy=money.currency)


def _indicator(money: Money) -> str:
    return "DBIT" if money.minor < 0 else "CRDT"


def _moment(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")


def _balance(stmt: etree._Element, code: str, money: Money, day: date) -> None:
    bal = _el(stmt, "Bal")
    _el(_el(_el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _amount(bal, "Amt", money)
    _el(bal, "CdtDbtInd", _indicator(money))
    _el(_el(bal, "Dt"), "Dt", day.isoformat())


def _summary(stmt: etree._Element, statement: Statement) -> None:
    credits = [line for line in statement.lines if line.amount.minor > 0]
    debits = [line for line in statement.lines if line.amount.minor < 0]
    net = statement.closing - statement.opening
    summary = _el(stmt, "TxsSummry")
    total = _el(summary, "TtlNtries")
    _el(total, "NbOfNtries", str(len(statement.lines)))
    _el(total, "Sum", (statement.total_in + statement.total_out).to_decimal_string())
    net_el = _el(total, "TtlNetNtry")
    _el(net_el, "Amt", abs(net).to_decimal_string())
    _el(net_el, "CdtDbtInd", _indicator(net))
    for tag, lines, sum_ in (
        ("TtlCdtNtries", credits, statement.total_in),
        ("TtlDbtNtries", debits, statement.total_out),
    ):
        part = _el(summary, tag)
        _el(part, "NbOfNtries", str(len(lines)))
        _el(part, "Sum", sum_.to_decimal_string())


def _iban(value: str) -> str:
    """The IBAN as IBAN2007Identifier wants it (no spaces, capitals), or "" when it cannot be one."""
    compact = "".join(value.split()).upper()
    return compact if _IBAN.fullmatch(compact) else ""


def _related_parties(tx: etree._Element, line: StatementLine) -> None:
    """The counterparty by the entry's direction: money in names its debtor, money out its creditor."""
    name, iban = line.counterparty_name.strip(), _iban(line.counterparty_iban)
    if not name and not iban:
        return
    role = "Dbtr" if line.amount.minor > 0 else "Cdtr"
    parties = _el(tx, "RltdPties")
    if name:
        _el(_el(_el(parties, role), "Pty"), "Nm", _max(name, 140))
    if iban:
        _el(_el(_el(parties, f"{role}Acct"), "Id"), "IBAN", iban)


def _entry(stmt: etree._Element, line: StatementLine, zone: ZoneInfo) -> None:
    ntry = _el(stmt, "Ntry")
    _el(ntry, "NtryRef", str(line.posting_id))
    _amount(ntry, "Amt", line.amount)
    _el(ntry, "CdtDbtInd", _indicator(line.amount))
    _el(_el(ntry, "Sts"), "Cd", "BOOK")
    _el(_el(ntry, "BookgDt"), "DtTm", _moment(line.booked_at, zone))
    _el(_el(ntry, "ValDt"), "Dt", line.value_date.isoformat())
    _el(ntry, "AcctSvcrRef", f"E{line.entry_id}")
    domain, family, sub = _BANK_TX_CODES.get(line.kind) or _BANK_TX_CODES["in" if line.amount.minor > 0 else "out"]
    code = _el(_el(ntry, "BkTxCd"), "Domn")
    _el(code, "Cd", domain)
    fmly = _el(code, "Fmly")
    _el(fmly, "Cd", family)
    _el(fmly, "SubFmlyCd", sub)
    tx = _el(_el(ntry, "NtryDtls"), "TxDtls")
    refs = _el(tx, "Refs")
    _el(refs, "AcctSvcrRef", f"E{line.entry_id}")
    if line.reference:
        _el(refs, "EndToEndId", _max(line.reference, 35))
    _amount(tx, "Amt", line.amount)
    _el(tx, "CdtDbtInd", _indicator(line.amount))
    _related_parties(tx, line)
    remittance = line.remittance.strip() or line.description.strip()
    if remittance:
        _el(_el(tx, "RmtInf"), "Ustrd", _max(remittance, 140))


def camt053_build(*, statement: Statement) -> etree._Element:
    """The camt.053.001.08 document of ``statement`` as an element tree (not yet validated)."""
    zone = ZoneInfo(statement.time_zone)
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    report = _el(root, "BkToCstmrStmt")
    header = _el(report, "GrpHdr")
    _el(header, "MsgId", _max(statement.statement_id, 35))
    _el(header, "CreDtTm", _moment(statement.created_at, zone))
    stmt = _el(report, "Stmt")
    _el(stmt, "Id", _max(statement.statement_id, 35))
    _el(stmt, "CreDtTm", _moment(statement.created_at, zone))
    period = _el(stmt, "FrToDt")
    _el(period, "FrDtTm", _moment(statement.period_start_at, zone))
    _el(period, "ToDtTm", _moment(statement.period_end_at, zone))
    acct = _el(stmt, "Acct")
    _el(_el(acct, "Id"), "IBAN", statement.iban)
    _el(acct, "Ccy", statement.currency)
    _el(_el(acct, "Ownr"), "Nm", _max(statement.holder_name, 140))
    servicer = _el(_el(acct, "Svcr"), "FinInstnId")
    if statement.bank.bic:
        _el(servicer, "BICFI", statement.bank.bic)
    _el(servicer, "Nm", _max(statement.bank.name, 140))
    _balance(stmt, "OPBD", statement.opening, statement.from_date)
    _balance(stmt, "CLBD", statement.closing, statement.to_date)
    _summary(stmt, statement)
    for line in statement.lines:
        _entry(stmt, line, zone)
    return root


def camt053_validate(document: etree._Element) -> None:
    """Raise InvalidStatementDocument naming the first schema error, if there is one."""
    xsd = schema()
    if not xsd.validate(document):
        error = xsd.error_log.last_error
        raise InvalidStatementDocument(f"camt.053.001.08 invalid at line {error.line}: {error.message}")


def camt053_render(*, statement: Statement) -> bytes:
    """The statement as camt.053.001.08 XML (UTF-8), validated against the official schema."""
    document = camt053_build(statement=statement)
    camt053_validate(document)
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True))
