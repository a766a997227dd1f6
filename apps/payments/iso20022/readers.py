"""Readers of the messages the bank receives: pacs.002.001.11, pacs.004.001.10 and pacs.008.001.09.

``read`` parses safely, names the message by its namespace, validates it against its XSD and only
then turns it into values. What the schema leaves optional but the bank needs to match a
transaction (``OrgnlTxId``, a transaction's original message) is refused here as ``invalid``.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from apps.payments.iso20022.messages import (
    NAMESPACES,
    PACS002,
    PACS004,
    PACS008,
    Agent,
    CreditTransfer,
    CreditTransferMessage,
    GroupStatus,
    IsoError,
    Message,
    ReturnMessage,
    ReturnTransaction,
    StatusReport,
    TransactionStatus,
)
from apps.payments.iso20022.schemas import parse
from bankcore.money import Money, MoneyError


class _Reader:
    def __init__(self, kind: str) -> None:
        self.ns = {"d": NAMESPACES[kind]}

    def all(self, node: etree._Element, path: str) -> list[etree._Element]:
        return list(node.xpath(self._q(path), namespaces=self.ns))

    def text(self, node: etree._Element, path: str) -> str | None:
        found = self.all(node, path)
        if not found or found[0].text is None:
            return None
        return str(found[0].text).strip()

    def need(self, node: etree._Element, path: str) -> str:
        value = self.text(node, path)
        if not value:
            raise IsoError(f"{path} is required here", code="invalid")
        return value

    def amount(self, node: etree._Element, path: str) -> tuple[int, str]:
        found = self.all(node, path)
        if not found:
            raise IsoError(f"{path} is required here", code="invalid")
        currency = str(found[0].get("Ccy"))
        try:
            money = Money.of(str(found[0].text).strip(), currency)
        except (MoneyError, TypeError) as error:
            raise IsoError(f"{path}: {error}", code="invalid") from None
        if money.minor <= 0:
            raise IsoError(f"{path} must be positive", code="invalid")
        return money.minor, currency

    @staticmethod
    def _q(path: str) -> str:
        return "/".join(part if part in (".", "..") else f"d:{part}" for part in path.split("/"))


def _moment(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise IsoError(f"{value!r} is not a moment", code="invalid") from None


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise IsoError(f"{value!r} is not a date", code="invalid") from None


def _bic(r: _Reader, node: etree._Element, tag: str) -> str | None:
    return r.text(node, f"{tag}/FinInstnId/BICFI")


def read(data: bytes) -> Message:
    """The message in ``data``, validated; raises IsoError when it cannot be taken."""
    kind, root = parse(data)
    if kind == PACS002:
        return _status_report(root)
    if kind == PACS004:
        return _returns(root)
    return _credit_transfers(root)


def _status_report(root: etree._Element) -> StatusReport:
    r = _Reader(PACS002)
    (body,) = r.all(root, "FIToFIPmtStsRpt")
    groups = tuple(
        GroupStatus(
            orig_msg_id=r.need(group, "OrgnlMsgId"),
            orig_msg_name=r.need(group, "OrgnlMsgNmId"),
            status=r.text(group, "GrpSts"),
            reason_code=r.text(group, "StsRsnInf/Rsn/Cd"),
        )
        for group in r.all(body, "OrgnlGrpInfAndSts")
    )
    transactions = []
    for tx in r.all(body, "TxInfAndSts"):
        orig_msg_id = r.text(tx, "OrgnlGrpInf/OrgnlMsgId")
        if orig_msg_id is None:
            # Without its own reference a transaction belongs to the report's one original message.
            if len({group.orig_msg_id for group in groups}) != 1:
                raise IsoError(
                    "a transaction names no original message and the report has not exactly one", code="invalid"
                )
            orig_msg_id = groups[0].orig_msg_id
        status = r.text(tx, "TxSts")
        if status is None:
            raise IsoError("TxSts is required for each transaction", code="invalid")
        transactions.append(
            TransactionStatus(
                orig_msg_id=orig_msg_id,
                orig_tx_id=r.need(tx, "OrgnlTxId"),
                orig_end_to_end_id=r.text(tx, "OrgnlEndToEndId"),
                status=status,
                reason_code=r.text(tx, "StsRsnInf/Rsn/Cd"),
                status_id=r.text(tx, "StsId"),
            )
        )
    if not groups and not transactions:
        raise IsoError("the status report reports nothing", code="invalid")
    return StatusReport(
        msg_id=r.need(body, "GrpHdr/MsgId"),
        created_at=_moment(r.need(body, "GrpHdr/CreDtTm")),
        groups=groups,
        transactions=tuple(transactions),
    )


def _returns(root: etree._Element) -> ReturnMessage:
    r = _Reader(PACS004)
    (body,) = r.all(root, "PmtRtr")
    group_msg_id = r.text(body, "OrgnlGrpInf/OrgnlMsgId")
    group_msg_name = r.text(body, "OrgnlGrpInf/OrgnlMsgNmId")
    header_date = r.text(body, "GrpHdr/IntrBkSttlmDt")
    transactions = []
    for tx in r.all(body, "TxInf"):
        orig_msg_id = r.text(tx, "OrgnlGrpInf/OrgnlMsgId") or group_msg_id
        orig_msg_name = r.text(tx, "OrgnlGrpInf/OrgnlMsgNmId") or group_msg_name
        if not orig_msg_id or not orig_msg_name:
            raise IsoError("a returned transaction names no original message", code="invalid")
        minor, currency = r.amount(tx, "RtrdIntrBkSttlmAmt")
        original = r.all(tx, "OrgnlIntrBkSttlmAmt")
        reason = r.text(tx, "RtrRsnInf/Rsn/Cd") or r.text(body, "OrgnlGrpInf/RtrRsnInf/Rsn/Cd")
        if not reason:
            raise IsoError("a return needs its reason code (RtrRsnInf/Rsn/Cd)", code="invalid")
        debtor_name = r.text(tx, "OrgnlTxRef/Dbtr/Pty/Nm")
        creditor_name = r.text(tx, "OrgnlTxRef/Cdtr/Pty/Nm")
        transactions.append(
            ReturnTransaction(
                return_id=r.text(tx, "RtrId") or "",
                orig_msg_id=orig_msg_id,
                orig_msg_name=orig_msg_name,
                orig_tx_id=r.need(tx, "OrgnlTxId"),
                orig_end_to_end_id=r.text(tx, "OrgnlEndToEndId"),
                amount_minor=minor,
                currency=currency,
                reason_code=reason,
                orig_amount_minor=r.amount(tx, "OrgnlIntrBkSttlmAmt")[0] if original else None,
                debtor=Agent(debtor_name, r.text(tx, "OrgnlTxRef/DbtrAcct/Id/IBAN") or "") if debtor_name else None,
                creditor=Agent(creditor_name, r.text(tx, "OrgnlTxRef/CdtrAcct/Id/IBAN") or "")
                if creditor_name
                else None,
            )
        )
    if not transactions:
        raise IsoError("the return message returns nothing", code="invalid")
    created_at = _moment(r.need(body, "GrpHdr/CreDtTm"))
    return ReturnMessage(
        msg_id=r.need(body, "GrpHdr/MsgId"),
        created_at=created_at,
        settlement_date=_date(header_date) if header_date else created_at.date(),
        transactions=tuple(transactions),
    )


def _credit_transfers(root: etree._Element) -> CreditTransferMessage:
    r = _Reader(PACS008)
    (body,) = r.all(root, "FIToFICstmrCdtTrf")
    header_date = r.text(body, "GrpHdr/IntrBkSttlmDt")
    instant = r.text(body, "GrpHdr/PmtTpInf/LclInstrm/Cd") == "INST"
    transactions = []
    for tx in r.all(body, "CdtTrfTxInf"):
        instant = instant or r.text(tx, "PmtTpInf/LclInstrm/Cd") == "INST"
        minor, currency = r.amount(tx, "IntrBkSttlmAmt")
        tx_date = r.text(tx, "IntrBkSttlmDt") or header_date
        if tx_date is None:
            raise IsoError("a credit transfer needs its settlement date (IntrBkSttlmDt)", code="invalid")
        header_date = header_date or tx_date
        transactions.append(
            CreditTransfer(
                tx_id=r.need(tx, "PmtId/TxId"),
                end_to_end_id=r.need(tx, "PmtId/EndToEndId"),
                instr_id=r.text(tx, "PmtId/InstrId"),
                amount_minor=minor,
                currency=currency,
                debtor=Agent(
                    name=r.need(tx, "Dbtr/Nm"),
                    iban=r.text(tx, "DbtrAcct/Id/IBAN") or "",
                    bic=_bic(r, tx, "DbtrAgt"),
                ),
                creditor=Agent(
                    name=r.text(tx, "Cdtr/Nm") or "",
                    iban=r.need(tx, "CdtrAcct/Id/IBAN"),
                    bic=_bic(r, tx, "CdtrAgt"),
                ),
                reference=r.text(tx, "RmtInf/Ustrd") or "",
            )
        )
    if header_date is None:
        raise IsoError("the message names no settlement date", code="invalid")
    return CreditTransferMessage(
        msg_id=r.need(body, "GrpHdr/MsgId"),
        created_at=_moment(r.need(body, "GrpHdr/CreDtTm")),
        settlement_date=_date(header_date),
        instant=instant,
        transactions=tuple(transactions),
        instructing_bic=_bic(r, body, "GrpHdr/InstgAgt"),
    )
