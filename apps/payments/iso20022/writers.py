"""Writers of the messages the bank sends: pacs.008.001.09 and pacs.004.001.10.

Each writer builds the document, validates it against its XSD and returns the bytes; a value
the schema refuses (a name too long, a BIC of the wrong shape) raises IsoError and nothing is
written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from lxml import etree

from apps.payments.iso20022.messages import (
    NAMESPACES,
    PACS004,
    PACS008,
    Agent,
    CreditTransfer,
    IsoError,
    ReturnTransaction,
)
from apps.payments.iso20022.schemas import validate
from bankcore.money import Money, MoneyError

# Where the creditor's bank is not known, SEPA's rulebook says so in place of a BIC.
NOT_PROVIDED = "NOTPROVIDED"


def amount_text(minor: int, currency: str) -> str:
    try:
        return Money(minor, currency).to_decimal_string()
    except MoneyError as error:
        raise IsoError(str(error), code="invalid") from None


def moment_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise IsoError("moments carry their offset", code="invalid")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class _Builder:
    def __init__(self, kind: str) -> None:
        self.ns = NAMESPACES[kind]
        self.kind = kind

    def el(self, parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        name = f"{{{self.ns}}}{tag}"
        node = etree.Element(name, nsmap={None: self.ns}) if parent is None else etree.SubElement(parent, name)
        for key, value in attrs.items():
            node.set(key, value)
        if text is not None:
            node.text = text
        return node

    def path(self, parent: etree._Element, tags: str, text: str | None = None) -> etree._Element:
        node = parent
        for tag in tags.split("/"):
            node = self.el(node, tag)
        node.text = text
        return node

    def agent(self, parent: etree._Element, tag: str, bic: str | None) -> None:
        fin = self.path(parent, f"{tag}/FinInstnId")
        if bic:
            self.el(fin, "BICFI", bic)
        else:
            self.path(fin, "Othr/Id", NOT_PROVIDED)

    def party(self, parent: etree._Element, tag: str, agent: Agent) -> None:
        self.path(parent, f"{tag}/Nm", agent.name)

    def account(self, parent: etree._Element, tag: str, iban: str) -> None:
        self.path(parent, f"{tag}/Id/IBAN", iban)

    def finish(self, root: etree._Element) -> bytes:
        validate(root, kind=self.kind)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _single_currency(amounts: Sequence[tuple[int, str]]) -> tuple[int, str]:
    currencies = {currency for _, currency in amounts}
    if len(currencies) != 1:
        raise IsoError("one message settles in one currency", code="invalid")
    return sum(minor for minor, _ in amounts), currencies.pop()


def write_credit_transfers(
    *,
    msg_id: str,
    created_at: datetime,
    settlement_date: date,
    transactions: Sequence[CreditTransfer],
    instant: bool = False,
    instructing_bic: str | None = None,
) -> bytes:
    """A pacs.008.001.09 of ``transactions`` (SEPA; ``instant`` marks it INST and allows one transaction)."""
    if not transactions:
        raise IsoError("a credit transfer message needs at least one transaction", code="invalid")
    if instant and len(transactions) != 1:
        raise IsoError("an instant credit transfer file holds exactly one transaction", code="invalid")
    total, currency = _single_currency([(tx.amount_minor, tx.currency) for tx in transactions])
    b = _Builder(PACS008)
    root = b.el(None, "Document")
    body = b.el(root, "FIToFICstmrCdtTrf")
    header = b.el(body, "GrpHdr")
    b.el(header, "MsgId", msg_id)
    b.el(header, "CreDtTm", moment_text(created_at))
    b.el(header, "NbOfTxs", str(len(transactions)))
    b.el(header, "CtrlSum", amount_text(total, currency))
    b.el(header, "TtlIntrBkSttlmAmt", amount_text(total, currency), Ccy=currency)
    b.el(header, "IntrBkSttlmDt", settlement_date.isoformat())
    b.path(header, "SttlmInf/SttlmMtd", "CLRG")
    payment_type = b.el(header, "PmtTpInf")
    b.path(payment_type, "SvcLvl/Cd", "SEPA")
    if instant:
        b.path(payment_type, "LclInstrm/Cd", "INST")
    if instructing_bic:
        b.agent(header, "InstgAgt", instructing_bic)
    for tx in transactions:
        node = b.el(body, "CdtTrfTxInf")
        ids = b.el(node, "PmtId")
        if tx.instr_id:
            b.el(ids, "InstrId", tx.instr_id)
        b.el(ids, "EndToEndId", tx.end_to_end_id)
        b.el(ids, "TxId", tx.tx_id)
        b.el(node, "IntrBkSttlmAmt", amount_text(tx.amount_minor, tx.currency), Ccy=tx.currency)
        b.el(node, "ChrgBr", "SLEV")
        b.party(node, "Dbtr", tx.debtor)
        b.account(node, "DbtrAcct", tx.debtor.iban)
        b.agent(node, "DbtrAgt", tx.debtor.bic)
        b.agent(node, "CdtrAgt", tx.creditor.bic)
        b.party(node, "Cdtr", tx.creditor)
        b.account(node, "CdtrAcct", tx.creditor.iban)
        if tx.reference:
            b.path(node, "RmtInf/Ustrd", tx.reference)
    return b.finish(root)


def write_returns(
    *,
    msg_id: str,
    created_at: datetime,
    settlement_date: date,
    transactions: Sequence[ReturnTransaction],
    instructing_bic: str | None = None,
) -> bytes:
    """A pacs.004.001.10 returning ``transactions``, each with its original ids and reason code."""
    if not transactions:
        raise IsoError("a return message needs at least one transaction", code="invalid")
    total, currency = _single_currency([(tx.amount_minor, tx.currency) for tx in transactions])
    b = _Builder(PACS004)
    root = b.el(None, "Document")
    body = b.el(root, "PmtRtr")
    header = b.el(body, "GrpHdr")
    b.el(header, "MsgId", msg_id)
    b.el(header, "CreDtTm", moment_text(created_at))
    b.el(header, "NbOfTxs", str(len(transactions)))
    b.el(header, "CtrlSum", amount_text(total, currency))
    b.el(header, "TtlRtrdIntrBkSttlmAmt", amount_text(total, currency), Ccy=currency)
    b.el(header, "IntrBkSttlmDt", settlement_date.isoformat())
    b.path(header, "SttlmInf/SttlmMtd", "CLRG")
    if instructing_bic:
        b.agent(header, "InstgAgt", instructing_bic)
    for tx in transactions:
        node = b.el(body, "TxInf")
        b.el(node, "RtrId", tx.return_id)
        original = b.el(node, "OrgnlGrpInf")
        b.el(original, "OrgnlMsgId", tx.orig_msg_id)
        b.el(original, "OrgnlMsgNmId", tx.orig_msg_name)
        if tx.orig_end_to_end_id:
            b.el(node, "OrgnlEndToEndId", tx.orig_end_to_end_id)
        b.el(node, "OrgnlTxId", tx.orig_tx_id)
        if tx.orig_amount_minor is not None:
            b.el(node, "OrgnlIntrBkSttlmAmt", amount_text(tx.orig_amount_minor, tx.currency), Ccy=tx.currency)
        b.el(node, "RtrdIntrBkSttlmAmt", amount_text(tx.amount_minor, tx.currency), Ccy=tx.currency)
        b.el(node, "ChrgBr", "SLEV")
        b.path(node, "RtrRsnInf/Rsn/Cd", tx.reason_code)
        if tx.debtor is not None or tx.creditor is not None:
            ref = b.el(node, "OrgnlTxRef")
            if tx.debtor is not None:
                b.path(ref, "Dbtr/Pty/Nm", tx.debtor.name)
                b.account(ref, "DbtrAcct", tx.debtor.iban)
            if tx.creditor is not None:
                b.path(ref, "Cdtr/Pty/Nm", tx.creditor.name)
                b.account(ref, "CdtrAcct", tx.creditor.iban)
    return b.finish(root)
