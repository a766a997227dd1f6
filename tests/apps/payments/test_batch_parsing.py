"""Reading bulk payout files: CSV and pain.001.001.10 good and bad, and the 10,000-line limit."""

from __future__ import annotations

import pytest

from apps.payments.batch_parsing import MAX_LINES, BatchFileRefused, parse_csv, parse_json, parse_pain001
from tests.apps.payments.batch_factories import Row, csv_bytes, pain001_bytes
from tests.apps.payments.factories import EXTERNAL_IBAN

DEBTOR = "DE24100200300001000030"


class TestCsv:
    def test_lines_are_read_as_written(self) -> None:
        file = parse_csv(csv_bytes([Row("Max Mustermann", EXTERNAL_IBAN, "12.50", reference="Inv 1",
                                        end_to_end_id="E1", execution_date="2026-11-03")]))  # fmt: skip
        [line] = file.lines
        assert (line.name, line.iban, line.amount, line.currency) == ("Max Mustermann", EXTERNAL_IBAN, "12.50", "EUR")
        assert (line.reference, line.end_to_end_id, line.execution_date) == ("Inv 1", "E1", "2026-11-03")

    def test_optional_columns_may_be_left_out_and_semicolons_work(self) -> None:
        data = b"\xef\xbb\xbfName;IBAN;Amount;Currency;Reference\nMax;DE89370400440532013000;1.00;eur;x\n\n"
        [line] = parse_csv(data).lines
        assert (line.currency, line.end_to_end_id, line.execution_date) == ("EUR", "", "")

    def test_a_bad_line_is_still_a_line(self) -> None:
        file = parse_csv(csv_bytes([Row("", "nonsense", "twelve")]))
        assert [(line.iban, line.amount) for line in file.lines] == [("nonsense", "twelve")]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b"who,what\n1,2\n", "batch_csv_header"),
            (b"\xff\xfe\x00\x00", "batch_not_csv"),
            (b"name,iban,amount,currency,reference\n", "batch_empty"),
        ],
    )
    def test_a_file_that_cannot_be_read_is_refused(self, data: bytes, code: str) -> None:
        with pytest.raises(BatchFileRefused) as refused:
            parse_csv(data)
        assert refused.value.code == code

    def test_more_than_10000_lines_are_refused(self) -> None:
        rows = [Row("Max", EXTERNAL_IBAN, "1.00")] * (MAX_LINES + 1)
        with pytest.raises(BatchFileRefused) as refused:
            parse_csv(csv_bytes(rows))
        assert refused.value.code == "batch_too_large"
        assert "10,001" in str(refused.value)
        assert len(parse_csv(csv_bytes(rows[:MAX_LINES])).lines) == MAX_LINES


class TestPain001:
    def test_a_valid_document_gives_its_transactions(self) -> None:
        rows = [Row("Max Mustermann", EXTERNAL_IBAN, "12.50", reference="Inv 1", end_to_end_id="E1"),
                Row("Jan Jansen", "NL91ABNA0417164300", "3", reference="Inv 2")]  # fmt: skip
        file = parse_pain001(pain001_bytes(rows, debtor_iban=DEBTOR))
        assert file.message_id == "PAYOUT-2026-12-02"
        assert file.debtor_iban == DEBTOR
        assert [(x.name, x.iban, x.amount, x.currency, x.end_to_end_id) for x in file.lines] == [
            ("Max Mustermann", EXTERNAL_IBAN, "12.50", "EUR", "E1"),
            ("Jan Jansen", "NL91ABNA0417164300", "3", "EUR", ""),
        ]
        assert {x.execution_date for x in file.lines} == {"2026-11-02"}

    @pytest.mark.parametrize("written", ["2026-11-02Z", "2026-11-02+01:00", "2026-11-02-05:00"])
    def test_a_requested_date_with_a_time_zone_is_its_day(self, written: str) -> None:
        data = pain001_bytes([Row("Max Mustermann", EXTERNAL_IBAN, "12.50")], debtor_iban=DEBTOR)
        assert b"<Dt>2026-11-02</Dt>" in data
        file = parse_pain001(data.replace(b"<Dt>2026-11-02</Dt>", f"<Dt>{written}</Dt>".encode()))
        assert [x.execution_date for x in file.lines] == ["2026-11-02"]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b"name,iban\n", "not_xml"),
            (b"<Document", "not_xml"),
            (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "not_xml"),
            (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09"/>', "unknown_message"),
            (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.10"><Nope/></Document>', "schema_invalid"),
        ],
    )
    def test_a_document_that_is_not_valid_pain001_is_refused(self, data: bytes, code: str) -> None:
        with pytest.raises(BatchFileRefused) as refused:
            parse_pain001(data)
        assert refused.value.code == code

    def test_an_xsd_invalid_amount_is_refused_with_the_schemas_reason(self) -> None:
        data = pain001_bytes([Row("Max", EXTERNAL_IBAN, "7.77")], debtor_iban=DEBTOR).replace(b">7.77<", b">one<")
        with pytest.raises(BatchFileRefused) as refused:
            parse_pain001(data)
        assert refused.value.code == "schema_invalid"
        assert "InstdAmt" in str(refused.value)

    def test_more_than_10000_transactions_are_refused(self) -> None:
        data = pain001_bytes([Row("Max", EXTERNAL_IBAN, "1.00")] * (MAX_LINES + 1), debtor_iban=DEBTOR)
        with pytest.raises(BatchFileRefused) as refused:
            parse_pain001(data)
        assert refused.value.code == "batch_too_large"


class TestJson:
    def test_the_payments_shape_is_read_and_a_float_amount_is_not_taken(self) -> None:
        file = parse_json([{"amount": 12.5, "currency": "eur", "creditor": {"name": "Max", "iban": EXTERNAL_IBAN}},
                           "not an object"])  # fmt: skip
        assert [(x.name, x.amount, x.currency) for x in file.lines] == [("Max", "", "EUR"), ("", "", "")]

    def test_not_a_list_is_refused(self) -> None:
        with pytest.raises(BatchFileRefused):
            parse_json({"amount": "1"})
