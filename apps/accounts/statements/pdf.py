"""The statement as a PDF, drawn with fpdf2 (pure Python: nothing to install beside the wheel).

Text is set in DejaVu Sans, shipped in ``fonts/`` (licence beside it) and embedded as a subset, so
a holder's or a counterparty's name prints as written in any Latin, Greek or Cyrillic alphabet
("Łukasiewicz", "Øre", "Şahin", "Дерипаска"). What the font cannot draw, or would draw wrongly
without text shaping (Chinese, Japanese and Korean; Arabic and Hebrew, which run right to left),
is reduced to its base letters where Unicode has them and shown as "?" otherwise. Amounts and
dates are ASCII and always print exactly.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF

from apps.accounts.statements.document import Statement, StatementLine
from bankcore.money import Money

FONT = "DejaVuSans"
_FONT_DIR = Path(__file__).resolve().parent / "fonts"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Column widths in mm on A4 portrait with 15 mm margins (180 mm of line).
_COLUMNS = (("Booked", 22), ("Value date", 20), ("Description", 78), ("Amount", 30), ("Balance", 30))
_DESCRIPTION_CHARS = 60  # more never fits the column at 8 pt
_LINE_HEIGHT = 5.0
_PARTY_HEIGHT = 3.2  # the counterparty's line, in 7 pt under the description
# Right-to-left scripts need shaping and reordering that fpdf2 does only with HarfBuzz.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "AN"})


@functools.cache
def _drawable() -> frozenset[int]:
    """The code points both shipped faces draw (read once per process from the font files)."""
    maps = [set(TTFont(_FONT_DIR / name, lazy=True).getBestCmap()) for name in _FONT_FILES.values()]
    return frozenset(set.intersection(*maps))


def _draws(char: str, drawable: frozenset[int]) -> bool:
    return ord(char) in drawable and unicodedata.bidirectional(char) not in _RIGHT_TO_LEFT


def printable(text: str) -> str:
    """``text`` as the statement's font can draw it, one character at a time."""
    drawable = _drawable()
    out = []
    for char in text:
        if not char.isprintable():
            continue
        if _draws(char, drawable):
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if _draws(c, drawable) and not unicodedata.combining(c))
        out.append(base if base and base.isprintable() else "?")
    return "".join(out)


def amount_text(money: Money) -> str:
    """``1,234.50`` or ``-0.05``: the currency's own decimals, grouped, no currency code."""
    return money.format().rsplit(" ", 1)[0]


class _StatementPdf(FPDF):
    def __init__(self, statement: Statement) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, name in _FONT_FILES.items():
            self.add_font(FONT, style, str(_FONT_DIR / name))
        self.statement = statement
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(printable(f"Statement {statement.iban} {statement.from_date} to {statement.to_date}"))
        self.set_author(printable(statement.bank.name))
        self.set_creator(printable(statement.bank.name))
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "", 8)
            self.cell(0, 5, printable(f"{self.statement.iban}  {self.statement.from_date} to {self.statement.to_date}"))
            self.ln(7)
            self.table_header()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, printable(self.statement.bank.name), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def table_header(self) -> None:
        self.set_font(FONT, "B", 8)
        for title, width in _COLUMNS:
            self.cell(width, 6, title, border="B", align="R" if title in ("Amount", "Balance") else "L")
        self.ln(6)
        self.set_font(FONT, "", 8)


def _party(line: StatementLine) -> str:
    """The counterparty's line under the description ("From …" money in, "To …" money out), or ""."""
    name, iban = line.counterparty_name.strip(), line.counterparty_iban.strip()
    if not name and not iban:
        return ""
    who = ", ".join(part for part in (name, iban) if part)
    return printable(f"{'From' if line.amount.minor > 0 else 'To'} {who}")[: _DESCRIPTION_CHARS + 10]


def _lines(pdf: _StatementPdf, statement: Statement) -> None:
    """Every line as placed text, not cells: a cell costs several times more, and 10,000 lines
    must stay well within seconds. Page breaks are ours, at the same margin as the rest."""
    left = pdf.l_margin
    starts = []
    for _, width in _COLUMNS:
        starts.append(left)
        left += width
    amount_right = starts[3] + _COLUMNS[3][1] - 1
    description_width = _COLUMNS[2][1] - 2
    balance_right = starts[4] + _COLUMNS[4][1] - 1
    bottom = pdf.h - 18
    width_of = pdf.get_string_width
    text = pdf.text
    y = pdf.get_y()
    for line in statement.lines:
        party = _party(line)
        height = _LINE_HEIGHT + (_PARTY_HEIGHT if party else 0)
        if y + height > bottom:
            pdf.add_page()  # the page's header() draws the column titles again
            y = pdf.get_y()
        description = printable(line.description or line.reference)[:_DESCRIPTION_CHARS]
        while width_of(description) > description_width:  # wide letters: cut to the column, not a count
            description = description[:-4] + "..."
        baseline = y + 3.6
        amount = amount_text(line.amount)
        balance = amount_text(line.balance_after)
        text(starts[0] + 1, baseline, line.booking_date.isoformat())
        text(starts[1] + 1, baseline, line.value_date.isoformat())
        text(starts[2] + 1, baseline, description)
        text(amount_right - width_of(amount), baseline, amount)
        text(balance_right - width_of(balance), baseline, balance)
        if party:
            pdf.set_font(FONT, "", 7)
            while width_of(party) > description_width:
                party = party[:-4] + "..."
            text(starts[2] + 1, baseline + _PARTY_HEIGHT, party)
            pdf.set_font(FONT, "", 8)
        y += height
    pdf.set_xy(pdf.l_margin, y)


def pdf_render(*, statement: Statement) -> bytes:
    """The statement as PDF bytes: the bank, the holder, the period, opening balance, every line
    with its running balance, closing balance, and "Page N of M" on every page."""
    zone = ZoneInfo(statement.time_zone)
    pdf = _StatementPdf(statement)
    pdf.add_page()
    bank = statement.bank
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, printable(bank.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for line in (*bank.address_lines, f"BIC {bank.bic}" if bank.bic else "", bank.website):
        if line:
            pdf.cell(0, 4.5, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, "Account statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    facts = (
        ("Account holder", statement.holder_name),
        ("IBAN", statement.iban),
        ("Currency", statement.currency),
        ("Period", f"{statement.from_date.isoformat()} to {statement.to_date.isoformat()} ({statement.time_zone})"),
        ("Statement", statement.statement_id),
        ("Created", statement.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")),
    )
    for label, value in facts:
        pdf.cell(35, 5, label)
        pdf.cell(0, 5, printable(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(150, 6, f"Opening balance on {statement.from_date.isoformat()}")
    pdf.cell(30, 6, amount_text(statement.opening), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.table_header()
    _lines(pdf, statement)
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    pdf.cell(150, 5, f"Money in ({sum(1 for x in statement.lines if x.amount.minor > 0)} lines)")
    pdf.cell(30, 5, amount_text(statement.total_in), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(150, 5, f"Money out ({sum(1 for x in statement.lines if x.amount.minor < 0)} lines)")
    pdf.cell(30, 5, amount_text(-statement.total_out), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 9)
    pdf.cell(150, 6, f"Closing balance on {statement.to_date.isoformat()}", border="T")
    pdf.cell(30, 6, amount_text(statement.closing), align="R", border="T", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 7)
    pdf.ln(3)
    pdf.multi_cell(
        0,
        3.5,
        printable(
            f"Amounts in {statement.currency}; negative amounts left the account. Days are bank days in"
            f" {statement.time_zone}. The opening balance is the balance at the end of the day before the"
            " period, the closing balance at the end of its last day."
        ),
    )
    return bytes(pdf.output())
