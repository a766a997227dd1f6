"""Statements from the ledger: camt.053 valid and equal to the ledger, PDF numbers equal to the
ledger, bank days in BANK_TIME_ZONE (midnight, DST), bad ranges refused, the command."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from apps.accounts.interest import day_end, day_start
from apps.accounts.statements import builder
from apps.accounts.statements.camt053 import NAMESPACE, camt053_build, camt053_render, camt053_validate, schema
from apps.accounts.statements.pdf import pdf_render
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import Money
from tests.apps.accounts.factories import open_account, verified_customer
from tests.apps.accounts.ledger_history import arrange_overdraft, book, funding_account

pytestmark = pytest.mark.django_db
NS = {"c": NAMESPACE}
OPENED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
# A moment after every range below has ended (the statement's "now").
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def funding() -> int:
    return funding_account("EUR")


@pytest.fixture
def account(funding: int):
    customer = verified_customer(full_name="Zoë Müller-Łukasiewicz")
    account = open_account(customer=customer, now=OPENED)
    arrange_overdraft(account, 50_000)
    book(account, 100_000, datetime(2026, 10, 30, 10, 0, tzinfo=UTC), funding=funding, description="Salary")
    book(account, -25_000, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), funding=funding, description="Rent \u2013 Nov")
    book(account, 5_000, datetime(2026, 11, 3, 9, 0, tzinfo=UTC), funding=funding, description="Refund")
    book(account, -90_000, datetime(2026, 11, 5, 9, 0, tzinfo=UTC), funding=funding, description="Car")
    return account


def _ledger_closing(account, day: date) -> int:
    return ledger_read.balance_before(account_id=account.ledger_account_id, before=day_end(day)).minor


def _balance(doc: etree._Element, code: str) -> tuple[Decimal, str, str]:
    bal = doc.xpath(f"//c:Bal[c:Tp/c:CdOrPrtry/c:Cd='{code}']", namespaces=NS)[0]
    return (
        Decimal(bal.findtext("c:Amt", namespaces=NS)),
        bal.findtext("c:CdtDbtInd", namespaces=NS),
        bal.findtext("c:Dt/c:Dt", namespaces=NS),
    )


@pytest.fixture
def paid(funding: int):
    """An account with a payment in and one out that name their counterparty, and a line that names none."""
    account = open_account(customer=verified_customer(full_name="Hanna Holder"), now=OPENED)
    book(
        account, 40_000, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), funding=funding,
        description="From Erika Mustermann: Invoice 7",
        metadata={
            "reference": "Invoice 7", "end_to_end_id": "E2E-7",
            "counterparty_name": "Erika Mustermann", "counterparty_iban": "de89 3704 0044 0532 0130 00",
        },
    )  # fmt: skip
    book(
        account, -12_500, datetime(2026, 11, 3, 9, 0, tzinfo=UTC), funding=funding,
        description="SEPA TX1 to Muster GmbH",
        metadata={
            "reference": "Rent November", "end_to_end_id": "RENT-11",
            "counterparty_name": "Muster GmbH", "counterparty_iban": "FR1420041010050500013M02606",
        },
    )  # fmt: skip
    book(account, -1_000, datetime(2026, 11, 4, 9, 0, tzinfo=UTC), funding=funding, description="Cash")
    return account


class TestCamt053:
    def test_each_entry_names_its_counterparty_by_direction_and_the_document_validates(self, paid) -> None:
        statement = builder.statement_build(
            account_id=paid.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        doc = etree.fromstring(camt053_render(statement=statement))
        assert schema().validate(doc)
        came, went, cash = (
            e.find("c:NtryDtls/c:TxDtls", namespaces=NS) for e in doc.findall(".//c:Ntry", namespaces=NS)
        )

        def texts(tx: etree._Element, path: str) -> list[str]:
            return tx.xpath(f"{path}/text()", namespaces=NS)

        assert texts(came, "c:RltdPties/c:Dbtr/c:Pty/c:Nm") == ["Erika Mustermann"]
        # The schema's IBAN has no spaces and capital letters: written so, whatever the entry kept.
        assert texts(came, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN") == ["DE89370400440532013000"]
        assert came.xpath("c:RltdPties/c:Cdtr", namespaces=NS) == []
        assert texts(came, "c:Refs/c:EndToEndId") == ["E2E-7"]
        assert texts(came, "c:RmtInf/c:Ustrd") == ["Invoice 7"]
        assert texts(went, "c:RltdPties/c:Cdtr/c:Pty/c:Nm") == ["Muster GmbH"]
        assert texts(went, "c:RltdPties/c:CdtrAcct/c:Id/c:IBAN") == ["FR1420041010050500013M02606"]
        assert went.xpath("c:RltdPties/c:Dbtr", namespaces=NS) == []
        assert texts(went, "c:RmtInf/c:Ustrd") == ["Rent November"]
        # No metadata: no party is made up (not the bank's own ledger account either), the description stays.
        assert cash.find("c:RltdPties", namespaces=NS) is None
        assert texts(cash, "c:Refs/c:EndToEndId") == ["NOTPROVIDED"]
        assert texts(cash, "c:RmtInf/c:Ustrd") == ["Cash"]
        assert b"test funding" not in etree.tostring(doc)

    def test_a_counterparty_iban_the_schema_would_refuse_is_left_out_and_the_name_kept(self, funding: int) -> None:
        account = open_account(now=OPENED)
        long_name = "Ö" * 200
        for day, name, iban in ((2, long_name, "n/a"), (3, "", "DE89370400440532013000")):
            book(
                account, 500, datetime(2026, 11, day, 9, 0, tzinfo=UTC), funding=funding,
                metadata={"reference": "", "end_to_end_id": "X", "counterparty_name": name, "counterparty_iban": iban},
            )  # fmt: skip
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        doc = etree.fromstring(camt053_render(statement=statement))
        assert schema().validate(doc)
        named, numbered = doc.findall(".//c:RltdPties", namespaces=NS)
        assert named.xpath("c:Dbtr/c:Pty/c:Nm/text()", namespaces=NS) == ["Ö" * 140]
        assert named.find("c:DbtrAcct", namespaces=NS) is None
        assert numbered.find("c:Dbtr", namespaces=NS) is None
        assert numbered.xpath("c:DbtrAcct/c:Id/c:IBAN/text()", namespaces=NS) == ["DE89370400440532013000"]

    def test_it_validates_and_its_balances_equal_the_ledgers(self, account) -> None:
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        xml = camt053_render(statement=statement)
        doc = etree.fromstring(xml)
        assert schema().validate(doc)
        opening = _ledger_closing(account, date(2026, 10, 31))
        closing = _ledger_closing(account, date(2026, 11, 30))
        assert (opening, closing) == (100_000, -10_000)
        assert _balance(doc, "OPBD") == (Decimal("1000.00"), "CRDT", "2026-11-01")
        # Overdrawn at the end: the amount stays positive and the indicator says DBIT.
        assert _balance(doc, "CLBD") == (Decimal("100.00"), "DBIT", "2026-11-30")
        entries = doc.findall(".//c:Ntry", namespaces=NS)
        assert [(e.findtext("c:Amt", namespaces=NS), e.findtext("c:CdtDbtInd", namespaces=NS)) for e in entries] == [
            ("250.00", "DBIT"),
            ("50.00", "CRDT"),
            ("900.00", "DBIT"),
        ]
        first = entries[0]
        assert first.find("c:Amt", namespaces=NS).get("Ccy") == "EUR"
        assert first.findtext("c:BookgDt/c:DtTm", namespaces=NS) == "2026-11-02T10:00:00+01:00"
        assert first.findtext("c:ValDt/c:Dt", namespaces=NS) == "2026-11-02"
        assert first.findtext("c:NtryDtls/c:TxDtls/c:RmtInf/c:Ustrd", namespaces=NS) == "Rent \u2013 Nov"
        assert first.findtext("c:AcctSvcrRef", namespaces=NS).startswith("E")
        assert doc.findtext(".//c:Acct/c:Id/c:IBAN", namespaces=NS) == account.iban
        assert doc.findtext(".//c:Acct/c:Ownr/c:Nm", namespaces=NS) == "Zoë Müller-Łukasiewicz"
        assert doc.findtext(".//c:TxsSummry/c:TtlNtries/c:NbOfNtries", namespaces=NS) == "3"

    def test_a_document_that_breaks_the_schema_is_refused(self, account) -> None:
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        doc = camt053_build(statement=statement)
        doc.find(".//c:Ntry/c:Sts/c:Cd", namespaces=NS).text = "NOPE-TOO-LONG"
        with pytest.raises(Exception, match=r"camt\.053\.001\.08 invalid"):
            camt053_validate(doc)


class TestPdf:
    def test_a_payments_line_names_its_counterparty(self, paid) -> None:
        statement = builder.statement_build(
            account_id=paid.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        text = PdfReader(io.BytesIO(pdf_render(statement=statement))).pages[0].extract_text()
        assert "From Erika Mustermann, de89 3704 0044 0532 0130 00" in text
        assert "To Muster GmbH, FR1420041010050500013M02606" in text
        assert "test funding" not in text  # the cash line names no bookkeeping account

    def test_its_numbers_equal_the_ledgers(self, account) -> None:
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_render(statement=statement))).pages)
        assert "Opening balance on 2026-11-01 1,000.00" in text
        assert "Closing balance on 2026-11-30 -100.00" in text
        # Every line with its amount and the running balance after it, in booking order.
        rows = [line for line in text.splitlines() if line.startswith("2026-11-")]
        assert rows == [
            "2026-11-02 2026-11-02 Rent \u2013 Nov -250.00 750.00",
            "2026-11-03 2026-11-03 Refund 50.00 800.00",
            "2026-11-05 2026-11-05 Car -900.00 -100.00",
        ]
        assert f"IBAN {account.iban}" in text
        assert "Account holder Zoë Müller-Łukasiewicz" in text  # the name as written, Ł included
        assert "bankcore Bank" in text
        assert "BIC BCORDEB1XXX" in text
        assert "Page 1 of 1" in text

    def test_scripts_the_font_draws_print_as_written_and_others_as_a_mark(self, funding: int) -> None:
        account = open_account(customer=verified_customer(full_name="Олег Şahin"), now=OPENED)
        when = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
        book(account, 700, when, funding=funding, description="Ελένη Dvořák 김 سلام")
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_render(statement=statement))).pages)
        assert "Account holder Олег Şahin" in text
        # Korean needs a font of its own; Arabic needs shaping and right-to-left order: never garbled.
        assert "2026-11-04 2026-11-04 Ελένη Dvořák ? ???? 7.00 7.00" in text

    def test_a_description_is_cut_to_its_column(self, funding: int) -> None:
        account = open_account(now=OPENED)
        book(account, 900, datetime(2026, 11, 4, 9, 0, tzinfo=UTC), funding=funding, description="W" * 60)
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_render(statement=statement))).pages)
        (row,) = [line for line in text.splitlines() if line.startswith("2026-11-04")]
        description = row.split(" ")[2]
        assert description.endswith("...")
        assert 20 < len(description) < 35  # W is wide: far fewer than the 46 letters of an average line
        assert row.endswith("9.00 9.00")

    def test_many_lines_run_over_pages_each_numbered(self, funding: int) -> None:
        account = open_account(now=OPENED)
        for n in range(130):
            book(account, 100 + n, datetime(2026, 11, 10, 8, n // 60, n % 60, tzinfo=UTC), funding=funding)
        statement = builder.statement_build(
            account_id=account.pk, from_date=date(2026, 11, 1), to_date=date(2026, 11, 30), now=LATER
        )
        reader = PdfReader(io.BytesIO(pdf_render(statement=statement)))
        assert len(reader.pages) >= 3
        for number, page in enumerate(reader.pages, start=1):
            assert f"Page {number} of {len(reader.pages)}" in page.extract_text()
        text = "\n".join(page.extract_text() for page in reader.pages)
        closing = _ledger_closing(account, date(2026, 11, 30))
        assert closing == sum(100 + n for n in range(130))
        assert f"Closing balance on 2026-11-30 {closing // 100:,}.{closing % 100:02d}" in text


class TestBankDays:
    """Europe/Berlin: CET is UTC+1, CEST UTC+2; summer time ended on 25 October 2026."""

    @pytest.fixture
    def edges(self, funding: int):
        account = open_account(now=OPENED)
        moments = [
            datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC),  # 24 Oct 23:59:59 CEST
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 25 Oct 00:00 CEST: the 25-hour day begins
            datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC),  # 25 Oct 23:59:59 CET
            datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 26 Oct 00:00 CET
            datetime(2026, 10, 31, 23, 30, tzinfo=UTC),  # 1 Nov 00:30 CET: November, though 31 Oct in UTC
            datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC),  # 30 Nov 23:59:59 CET
            datetime(2026, 11, 30, 23, 0, tzinfo=UTC),  # 1 Dec 00:00 CET
        ]
        for n, at in enumerate(moments):
            book(account, 10 ** (n % 4 + 1) + n, at, funding=funding)
        return account

    def _lines(self, account, first: date, last: date) -> list[datetime]:
        statement = builder.statement_build(account_id=account.pk, from_date=first, to_date=last, now=LATER)
        assert statement.opening.minor == _ledger_before(account, day_start(first))
        assert statement.closing.minor == _ledger_before(account, day_end(last))
        assert statement.opening + sum((x.amount for x in statement.lines), Money.zero("EUR")) == statement.closing
        return [line.booked_at for line in statement.lines]

    def test_the_dst_day_has_25_hours(self, edges) -> None:
        assert self._lines(edges, date(2026, 10, 25), date(2026, 10, 25)) == [
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC),
        ]

    def test_a_month_is_the_bank_zones(self, edges) -> None:
        assert self._lines(edges, date(2026, 11, 1), date(2026, 11, 30)) == [
            datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
            datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC),
        ]
        october = self._lines(edges, date(2026, 10, 1), date(2026, 10, 31))
        assert datetime(2026, 10, 31, 23, 30, tzinfo=UTC) not in october
        assert len(october) == 4

    def test_another_bank_zone_draws_other_days(self, edges, settings) -> None:
        settings.BANK_TIME_ZONE = "UTC"
        assert self._lines(edges, date(2026, 10, 31), date(2026, 10, 31)) == [
            datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
        ]

    def test_a_range_before_any_posting_has_zero_balances(self, edges) -> None:
        statement = builder.statement_build(
            account_id=edges.pk, from_date=date(2026, 9, 1), to_date=date(2026, 9, 30), now=LATER
        )
        assert (statement.opening.minor, statement.closing.minor, statement.lines) == (0, 0, ())
        etree.fromstring(camt053_render(statement=statement))  # still a valid document


def _ledger_before(account, moment: datetime) -> int:
    return ledger_read.balance_before(account_id=account.ledger_account_id, before=moment).minor


class TestRanges:
    NOW = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Berlin

    @pytest.mark.parametrize(
        ("first", "last", "code"),
        [
            (date(2026, 11, 2), date(2026, 11, 1), "range_reversed"),
            (date(2026, 11, 1), date(2026, 12, 2), "range_in_future"),
            (date(2016, 12, 1), date(2026, 12, 1), "range_too_long"),  # ten years and a day
            (date(2016, 2, 29), date(2026, 3, 1), "range_too_long"),
        ],
    )
    def test_bad_ranges_are_refused(self, first: date, last: date, code: str) -> None:
        with pytest.raises(builder.StatementRefused) as refused:
            builder.statement_range_check(from_date=first, to_date=last, now=self.NOW)
        assert refused.value.code == code

    @pytest.mark.parametrize(
        ("first", "last"),
        [
            (date(2026, 12, 1), date(2026, 12, 1)),  # today in the bank's zone (30 Nov in UTC): allowed
            (date(2016, 12, 2), date(2026, 12, 1)),  # exactly ten years
            (date(2026, 11, 1), date(2026, 11, 1)),
        ],
    )
    def test_good_ranges_pass(self, first: date, last: date) -> None:
        builder.statement_range_check(from_date=first, to_date=last, now=self.NOW)


class TestCommand:
    def test_it_writes_both_formats(self, account, tmp_path: Path) -> None:
        out = io.StringIO()
        pdf, xml = tmp_path / "s.pdf", tmp_path / "s.xml"
        args = ["--iban", account.iban, "--from", "2026-11-01", "--to", "2026-11-30"]
        call_command("statement_render", *args, "--format", "pdf", "--out", str(pdf), stdout=out)
        call_command("statement_render", *args, "--format", "camt053", "--out", str(xml), stdout=out)
        assert pdf.read_bytes().startswith(b"%PDF")
        assert schema().validate(etree.parse(str(xml)))
        assert "3 lines, opening 1000.00 EUR, closing -100.00 EUR" in out.getvalue()
        # An operator's file outside the bank's store: no statement for the holder, so nothing to announce.
        assert not OutboxEvent.objects.filter(name="account.statement.ready").exists()

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"--iban": "DE02120300000000202051"}, "no account of this bank has IBAN"),
            ({"--to": "2099-01-31"}, "the range ends in the future"),
            ({"--from": "2026-12-01"}, "the range is reversed"),
            ({"--from": "2010-01-01"}, "the range is over 10 years"),
            ({"--from": "2026-13-01"}, "is not a date"),
            ({"--to": "2026-W48-1"}, "is not a date"),
            ({"--format": "docx"}, "--format must be pdf or camt053"),
        ],
    )
    def test_bad_input_is_one_line_and_writes_nothing(self, account, tmp_path: Path, change, message) -> None:
        options = {"--iban": account.iban, "--from": "2026-11-01", "--to": "2026-11-30", "--format": "pdf"}
        options.update(change)
        args = [part for pair in options.items() for part in pair]
        with pytest.raises(CommandError) as refused:
            call_command("statement_render", *args, "--out", str(tmp_path / "s.pdf"))
        assert message in str(refused.value)
        assert "\n" not in str(refused.value)
        assert list(tmp_path.iterdir()) == []


def test_today_is_allowed_and_closes_on_the_current_balance(funding: int) -> None:
    account = open_account(now=OPENED)
    ledger.transfer(
        from_account_id=funding, to_account_id=account.ledger_account_id, amount=Money(777, "EUR"), idempotency_key="t1"
    )
    now = timezone.now()
    today = builder.bank_date(now)
    statement = builder.statement_build(account_id=account.pk, from_date=today, to_date=today, now=now)
    assert statement.closing == ledger_read.balance(account_id=account.ledger_account_id)
    assert statement.closing.minor == 777
