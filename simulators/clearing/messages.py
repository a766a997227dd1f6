"""The clearing house's side of the files: it reads pacs.008 / pacs.004 and writes pacs.002, pacs.004, pacs.008.

Its own small lxml code (it shares nothing with the bank); the bank validates every file it
receives against the official XSDs, and the tests prove these documents pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

PACS008 = "pacs.008.001.09"
PACS002 = "pacs.002.001.11"
PACS004 = "pacs.004.001.10"
NS = {kind: f"urn:iso:std:iso:20022:tech:xsd:{kind}" for kind in (PACS008, PACS002, PACS004)}


@dataclass(frozen=True)
class Tx:
    """A transaction the house has taken: what it needs to answer for it or return it."""

    msg_id: str
    tx_id: str
    end_to_end_id: str
    amount: str  # decimal text as on the wire
    currency: str
    settlement_date: date
    debtor_name: str
    debtor_iban: str
    creditor_name: str
    creditor_iban: str
    instant: bool


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def read_outgoing(data: bytes) -> tuple[str, str, list[Tx]]:
    """(message kind, MsgId, transactions) of a file from the bank; ValueError when unreadable."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML: {error}") from None
    kind = next((k for k, uri in NS.items() if etree.QName(root).namespace == uri), None)
    if kind is None:
        raise ValueError(f"not a clearing message: {root.tag}")
    ns = {"d": NS[kind]}

    def text(node: etree._Element, path: str, default: str = "") -> str:
        found = node.xpath("/".join(f"d:{p}" for p in path.split("/")), namespaces=ns)
        return str(found[0].text).strip() if found and found[0].text else default

    body = root[0]
    msg_id = text(body, "GrpHdr/MsgId")
    if kind != PACS008:
        return kind, msg_id, []
    header_date = text(body, "GrpHdr/IntrBkSttlmDt")
    group_instant = text(body, "GrpHdr/PmtTpInf/LclInstrm/Cd") == "INST"
    txs = []
    for node in body.xpath("d:CdtTrfTxInf", namespaces=ns):
        amount = node.xpath("d:IntrBkSttlmAmt", namespaces=ns)[0]
        txs.append(
            Tx(
                msg_id=msg_id,
                tx_id=text(node, "PmtId/TxId"),
                end_to_end_id=text(node, "PmtId/EndToEndId"),
                amount=str(amount.text).strip(),
                currency=str(amount.get("Ccy")),
                settlement_date=date.fromisoformat(text(node, "IntrBkSttlmDt", header_date)),
                debtor_name=text(node, "Dbtr/Nm"),
                debtor_iban=text(node, "DbtrAcct/Id/IBAN"),
                creditor_name=text(node, "Cdtr/Nm"),
                creditor_iban=text(node, "CdtrAcct/Id/IBAN"),
                instant=group_instant or text(node, "PmtTpInf/LclInstrm/Cd") == "INST",
            )
        )
    return kind, msg_id, txs


def minor_of(amount: str, currency: str) -> int:
    exponent = 0 if currency in ("JPY", "KRW", "ISK") else 2
    return int(Decimal(amount).scaleb(exponent))


class _B:
    def __init__(self, kind: str) -> None:
        self.ns = NS[kind]

    def el(self, parent: etree._Element | None, path: str, text: str | None = None, **attrs: str) -> etree._Element:
        node = parent
        for tag in path.split("/"):
            name = f"{{{self.ns}}}{tag}"
            node = etree.Element(name, nsmap={None: self.ns}) if node is None else etree.SubElement(node, name)
        assert node is not None
        for key, value in attrs.items():
            node.set(key, value)
        if text is not None:
            node.text = text
        return node


def _moment(now: datetime) -> str:
    return now.astimezone(UTC).replace(microsecond=0).isoformat()


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def status_report(
    *,
    msg_id: str,
    now: datetime,
    orig_msg_id: str,
    answers: list[tuple[Tx, str, str | None]],
    group_status: str | None = None,
    group_reason: str | None = None,
) -> bytes:
    """A pacs.002.001.11 answering ``answers`` (transaction, TxSts, reason code) of one original message."""
    b = _B(PACS002)
    root = b.el(None, "Document")
    body = b.el(root, "FIToFIPmtStsRpt")
    b.el(body, "GrpHdr/MsgId", msg_id)
    b.el(body[0], "CreDtTm", _moment(now))
    group = b.el(body, "OrgnlGrpInfAndSts")
    b.el(group, "OrgnlMsgId", orig_msg_id)
    b.el(group, "OrgnlMsgNmId", PACS008)
    if group_status:
        b.el(group, "GrpSts", group_status)
        if group_reason:
            b.el(group, "StsRsnInf/Rsn/Cd", group_reason)
    for index, (tx, status, reason) in enumerate(answers, start=1):
        node = b.el(body, "TxInfAndSts")
        b.el(node, "StsId", f"{msg_id[:28]}-{index}")
        original = b.el(node, "OrgnlGrpInf")
        b.el(original, "OrgnlMsgId", tx.msg_id)
        b.el(original, "OrgnlMsgNmId", PACS008)
        b.el(node, "OrgnlEndToEndId", tx.end_to_end_id)
        b.el(node, "OrgnlTxId", tx.tx_id)
        b.el(node, "TxSts", status)
        if reason:
            b.el(node, "StsRsnInf/Rsn/Cd", reason)
    return _bytes(root)


def payment_return(*, msg_id: str, now: datetime, settlement_date: date, returns: list[tuple[Tx, str]]) -> bytes:
    """A pacs.004.001.10 returning ``returns`` (transaction, reason code), all of one currency."""
    b = _B(PACS004)
    currency = returns[0][0].currency
    total = sum((Decimal(tx.amount) for tx, _ in returns), Decimal(0))
    root = b.el(None, "Document")
    body = b.el(root, "PmtRtr")
    header = b.el(body, "GrpHdr")
    b.el(header, "MsgId", msg_id)
    b.el(header, "CreDtTm", _moment(now))
    b.el(header, "NbOfTxs", str(len(returns)))
    b.el(header, "CtrlSum", f"{total:.2f}")
    b.el(header, "TtlRtrdIntrBkSttlmAmt", f"{total:.2f}", Ccy=currency)
    b.el(header, "IntrBkSttlmDt", settlement_date.isoformat())
    b.el(header, "SttlmInf/SttlmMtd", "CLRG")
    for index, (tx, reason) in enumerate(returns, start=1):
        node = b.el(body, "TxInf")
        b.el(node, "RtrId", f"{msg_id[:28]}-{index}")
        original = b.el(node, "OrgnlGrpInf")
        b.el(original, "OrgnlMsgId", tx.msg_id)
        b.el(original, "OrgnlMsgNmId", PACS008)
        b.el(node, "OrgnlEndToEndId", tx.end_to_end_id)
        b.el(node, "OrgnlTxId", tx.tx_id)
        b.el(node, "OrgnlIntrBkSttlmAmt", tx.amount, Ccy=tx.currency)
        b.el(node, "RtrdIntrBkSttlmAmt", tx.amount, Ccy=tx.currency)
        b.el(node, "ChrgBr", "SLEV")
        b.el(node, "RtrRsnInf/Rsn/Cd", reason)
    return _bytes(root)


def credit_transfer(*, msg_id: str, now: datetime, settlement_date: date, txs: list[Tx], debtor_bic: str) -> bytes:
    """An incoming pacs.008.001.09 (another bank's customers paying this bank's)."""
    b = _B(PACS008)
    currency = txs[0].currency
    total = sum((Decimal(tx.amount) for tx in txs), Decimal(0))
    root = b.el(None, "Document")
    body = b.el(root, "FIToFICstmrCdtTrf")
    header = b.el(body, "GrpHdr")
    b.el(header, "MsgId", msg_id)
    b.el(header, "CreDtTm", _moment(now))
    b.el(header, "NbOfTxs", str(len(txs)))
    b.el(header, "CtrlSum", f"{total:.2f}")
    b.el(header, "TtlIntrBkSttlmAmt", f"{total:.2f}", Ccy=currency)
    b.el(header, "IntrBkSttlmDt", settlement_date.isoformat())
    b.el(header, "SttlmInf/SttlmMtd", "CLRG")
    b.el(header, "PmtTpInf/SvcLvl/Cd", "SEPA")
    for tx in txs:
        node = b.el(body, "CdtTrfTxInf")
        ids = b.el(node, "PmtId")
        b.el(ids, "EndToEndId", tx.end_to_end_id)
        b.el(ids, "TxId", tx.tx_id)
        b.el(node, "IntrBkSttlmAmt", tx.amount, Ccy=tx.currency)
        b.el(node, "ChrgBr", "SLEV")
        b.el(node, "Dbtr/Nm", tx.debtor_name)
        b.el(node, "DbtrAcct/Id/IBAN", tx.debtor_iban)
        b.el(node, "DbtrAgt/FinInstnId/BICFI", debtor_bic)
        b.el(node, "CdtrAgt/FinInstnId/Othr/Id", "NOTPROVIDED")
        b.el(node, "Cdtr/Nm", tx.creditor_name)
        b.el(node, "CdtrAcct/Id/IBAN", tx.creditor_iban)
    return _bytes(root)
