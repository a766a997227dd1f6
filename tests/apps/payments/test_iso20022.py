"""ISO 20022: every document written validates against its XSD; every document read is validated first."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from apps.payments import iso20022 as iso
from apps.payments.iso20022.schemas import schema

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ALICE = iso.Agent("Alice Example", "DE89370400440532013000", "BCORDEB1XXX")
BOB = iso.Agent("Bob Example", "FR1420041010050500013M02606", None)


def transfer(n: int = 1, *, amount_minor: int = 1250) -> iso.CreditTransfer:
    return iso.CreditTransfer(
        tx_id=f"TX{n}",
        end_to_end_id=f"E2E{n}",
        amount_minor=amount_minor,
        currency="EUR",
        debtor=ALICE,
        creditor=BOB,
        reference="Invoice 1",
    )


def pacs008(*, instant: bool = False, count: int = 2) -> bytes:
    return iso.write_credit_transfers(
        msg_id="BC1",
        created_at=NOW,
        settlement_date=date(2026, 12, 2),
        transactions=[transfer(n) for n in range(1, count + 1)],
        instant=instant,
        instructing_bic="BCORDEB1XXX",
    )


class TestWriters:
    def test_credit_transfers_validate_and_read_back(self) -> None:
        data = pacs008()
        assert schema(iso.PACS008).validate(etree.fromstring(data))
        message = iso.read(data)
        assert isinstance(message, iso.CreditTransferMessage)
        assert [tx.tx_id for tx in message.transactions] == ["TX1", "TX2"]
        assert message.transactions[0].amount_minor == 1250
        assert message.instant is False
        assert b"<CtrlSum>25.00</CtrlSum>" in data
        assert b"<Id>NOTPROVIDED</Id>" in data  # the creditor's bank is not known

    def test_instant_is_marked_inst_and_holds_one_transaction(self) -> None:
        data = pacs008(instant=True, count=1)
        assert b"<LclInstrm>" in data
        assert b"<Cd>INST</Cd>" in data
        assert iso.read(data).instant is True  # type: ignore[union-attr]
        with pytest.raises(iso.IsoError):
            pacs008(instant=True, count=2)

    def test_a_value_the_schema_refuses_is_never_written(self) -> None:
        bad = iso.CreditTransfer(
            tx_id="T",
            end_to_end_id="E",
            amount_minor=100,
            currency="EUR",
            debtor=ALICE,
            creditor=iso.Agent("Bob", "not an iban", None),
        )
        with pytest.raises(iso.IsoError) as refused:
            iso.write_credit_transfers(
                msg_id="M", created_at=NOW, settlement_date=date(2026, 12, 2), transactions=[bad]
            )
        assert refused.value.code == "schema_invalid"

    def test_returns_validate_and_read_back(self) -> None:
        data = iso.write_returns(
            msg_id="RT1",
            created_at=NOW,
            settlement_date=date(2026, 12, 2),
            transactions=[
                iso.ReturnTransaction(
                    return_id="R1",
                    orig_msg_id="SIM1",
                    orig_msg_name=iso.PACS008,
                    orig_tx_id="T9",
                    orig_end_to_end_id="E9",
                    amount_minor=500,
                    currency="EUR",
                    reason_code="AC06",
                    creditor=ALICE,
                )
            ],
        )
        message = iso.read(data)
        assert isinstance(message, iso.ReturnMessage)
        assert message.transactions[0].reason_code == "AC06"
        assert message.transactions[0].orig_tx_id == "T9"


STATUS = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11"><FIToFIPmtStsRpt>
<GrpHdr><MsgId>STS1</MsgId><CreDtTm>2026-12-02T10:00:00Z</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>BC1</OrgnlMsgId><OrgnlMsgNmId>pacs.008.001.09</OrgnlMsgNmId>{group}</OrgnlGrpInfAndSts>
{txs}</FIToFIPmtStsRpt></Document>"""
TX = (
    "<TxInfAndSts><OrgnlEndToEndId>E2E1</OrgnlEndToEndId><OrgnlTxId>TX1</OrgnlTxId><TxSts>{sts}</TxSts>{rsn}"
    "</TxInfAndSts>"
)


class TestReaders:
    def test_status_report_transactions_belong_to_the_one_original_message(self) -> None:
        data = STATUS.format(group="", txs=TX.format(sts="RJCT", rsn="<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>"))
        report = iso.read(data.encode())
        assert isinstance(report, iso.StatusReport)
        (tx,) = report.transactions
        assert (tx.orig_msg_id, tx.orig_tx_id, tx.status, tx.reason_code) == ("BC1", "TX1", "RJCT", "AC04")

    def test_group_status(self) -> None:
        data = STATUS.format(group="<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>MS03</Cd></Rsn></StsRsnInf>", txs="")
        report = iso.read(data.encode())
        assert isinstance(report, iso.StatusReport)
        assert report.groups[0].status == "RJCT"
        assert report.groups[0].reason_code == "MS03"

    def test_not_xml(self) -> None:
        with pytest.raises(iso.IsoError) as refused:
            iso.read(b"this is not xml")
        assert refused.value.code == "not_xml"

    def test_another_message_is_refused(self) -> None:
        data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>'
        with pytest.raises(iso.IsoError) as refused:
            iso.read(data)
        assert refused.value.code == "unknown_message"

    def test_schema_invalid_is_refused_before_use(self) -> None:
        data = STATUS.format(group="", txs=TX.format(sts="RJCT", rsn="")).replace(
            "<CreDtTm>2026-12-02T10:00:00Z", "<CreDtTm>yesterday"
        )
        with pytest.raises(iso.IsoError) as refused:
            iso.read(data.encode())
        assert refused.value.code == "schema_invalid"

    def test_a_status_without_orgnl_tx_id_cannot_be_matched(self) -> None:
        data = STATUS.format(group="", txs="<TxInfAndSts><TxSts>ACSC</TxSts></TxInfAndSts>")
        with pytest.raises(iso.IsoError) as refused:
            iso.read(data.encode())
        assert refused.value.code == "invalid"

    @pytest.mark.parametrize(
        "doctype",
        [
            '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        ],
    )
    def test_entities_are_never_expanded(self, doctype: str) -> None:
        data = (
            STATUS.format(group="", txs=TX.format(sts="ACSC", rsn=""))
            .replace('<?xml version="1.0" encoding="UTF-8"?>', f'<?xml version="1.0" encoding="UTF-8"?>{doctype}')
            .replace("<MsgId>STS1</MsgId>", "<MsgId>&b;</MsgId>" if "ENTITY b" in doctype else "<MsgId>&x;</MsgId>")
        )
        with pytest.raises(iso.IsoError) as refused:
            iso.read(data.encode())
        assert refused.value.code in ("not_xml", "schema_invalid")
