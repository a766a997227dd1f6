"""fx_rates_load: a rates file is taken whole or refused in one line naming the bad line."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bankcore.fx import services
from bankcore.fx.errors import RateConflict, RateFileInvalid
from bankcore.fx.models import Rate

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
GOOD = """base,quote,mid,as_of
EUR,USD,1.1594,2026-11-02T16:00:00+01:00
EUR,GBP,0.87490,2026-11-02T16:00:00+01:00
EUR,HKD,9.0221,2026-11-02T15:00:00Z
"""


def test_a_good_file_parses_to_exact_decimals() -> None:
    rows = services.rates_parse(text=GOOD, now=NOW)
    assert [(r.base, r.quote, r.mid) for r in rows] == [
        ("EUR", "USD", Decimal("1.1594")),
        ("EUR", "GBP", Decimal("0.87490")),
        ("EUR", "HKD", Decimal("9.0221")),
    ]
    assert rows[0].as_of == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert rows[2].as_of == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("EUX,USD,1.1,2026-11-02T16:00:00+01:00", "'EUX' is not an active ISO 4217 currency"),
        ("eur,USD,1.1,2026-11-02T16:00:00+01:00", "'eur' is not an active ISO 4217 currency"),
        ("EUR,EUR,1,2026-11-02T16:00:00+01:00", "base and quote are both EUR"),
        ("EUR,USD,0,2026-11-02T16:00:00+01:00", "is not positive"),
        ("EUR,USD,0.000,2026-11-02T16:00:00+01:00", "is not positive"),
        ("EUR,USD,-1.1,2026-11-02T16:00:00+01:00", "is not a plain decimal"),
        ("EUR,USD,1e3,2026-11-02T16:00:00+01:00", "is not a plain decimal"),
        ("EUR,USD,NaN,2026-11-02T16:00:00+01:00", "is not a plain decimal"),
        ("EUR,USD,1.15.9,2026-11-02T16:00:00+01:00", "is not a plain decimal"),
        ("EUR,USD,1.1234567890123,2026-11-02T16:00:00+01:00", "at most 12 decimals"),
        ("EUR,USD,,2026-11-02T16:00:00+01:00", "is not a plain decimal"),
        ("EUR,USD,1.1,2026-11-02T16:00:00", "has no UTC offset"),
        ("EUR,USD,1.1,2026-11-02 16:00", "has no UTC offset"),
        ("EUR,USD,1.1,20261102", "has no UTC offset"),
        ("EUR,USD,1.1,2026-11-31", "is not an ISO 8601 moment"),
        ("EUR,USD,1.1,yesterday", "is not an ISO 8601 moment"),
        (
            "EUR,USD,1.1,2030-01-01T00:00:00Z",
            "'2030-01-01T00:00:00Z' is in the future (now is 2026-12-07T14:00:00+00:00)",
        ),
        ("EUR,USD,1.1,2026-12-07T14:06:00Z", "is in the future"),
        ("EUR,USD,1.1,2026-12-08", "'2026-12-08' is in the future"),
        ("EUR,USD,1.1", "expected 4 fields"),
    ],
)
def test_bad_lines_are_refused_by_line_number(line: str, problem: str) -> None:
    text = "base,quote,mid,as_of\nEUR,GBP,0.87,2026-11-02T16:00:00+01:00\n" + line + "\n"
    with pytest.raises(RateFileInvalid) as refused:
        services.rates_parse(text=text, now=NOW)
    assert str(refused.value).startswith("line 3: ")
    assert problem in str(refused.value)


def test_a_plain_date_is_the_start_of_that_bank_day() -> None:
    text = "base,quote,mid,as_of\nEUR,USD,1.0842,2026-12-07\nEUR,GBP,0.8749,2026-07-01\n"
    rows = services.rates_parse(text=text, now=NOW)
    # Europe/Berlin: UTC+1 in winter, UTC+2 in summer.
    assert [r.as_of for r in rows] == [
        datetime(2026, 12, 6, 23, 0, tzinfo=UTC),
        datetime(2026, 6, 30, 22, 0, tzinfo=UTC),
    ]


def test_a_moment_within_the_clock_skew_is_taken() -> None:
    text = "base,quote,mid,as_of\nEUR,USD,1.0842,2026-12-07T14:04:00Z\n"
    assert services.rates_parse(text=text, now=NOW)[0].as_of == datetime(2026, 12, 7, 14, 4, tzinfo=UTC)


def test_a_duplicate_line_is_refused_naming_the_first() -> None:
    text = GOOD + "EUR,USD,1.1600,2026-11-02T15:00:00+00:00\n"  # the same moment as line 2, written otherwise
    with pytest.raises(RateFileInvalid, match=r"line 5: duplicate of line 2"):
        services.rates_parse(text=text, now=NOW)


@pytest.mark.parametrize("text", ["", "base,quote,mid,as_of\n", "quote,base,mid,as_of\nEUR,USD,1,2026-11-02T16:00Z\n"])
def test_an_empty_file_or_wrong_header_is_refused(text: str) -> None:
    with pytest.raises(RateFileInvalid):
        services.rates_parse(text=text, now=NOW)


@pytest.mark.django_db
class TestCommand:
    def write(self, tmp_path: Path, text: str) -> str:
        path = tmp_path / "rates.csv"
        path.write_text(text)
        return str(path)

    def test_loads_once_and_again_changes_nothing(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = self.write(tmp_path, GOOD)
        call_command("fx_rates_load", path)
        assert capsys.readouterr().out.strip() == "3 rates added, 0 already known"
        call_command("fx_rates_load", path)
        assert capsys.readouterr().out.strip() == "0 rates added, 3 already known"
        assert Rate.objects.count() == 3
        assert set(Rate.objects.values_list("source", flat=True)) == {"rates.csv"}

    def test_history_is_kept(self, tmp_path: Path) -> None:
        call_command("fx_rates_load", self.write(tmp_path, GOOD))
        later = GOOD.replace("2026-11-02", "2026-11-03").replace("1.1594", "1.1611")
        call_command("fx_rates_load", self.write(tmp_path, later))
        assert list(Rate.objects.filter(quote="USD").order_by("as_of").values_list("mid", flat=True)) == [
            Decimal("1.1594"),
            Decimal("1.1611"),
        ]

    def test_a_changed_published_rate_refuses_the_whole_file(self, tmp_path: Path) -> None:
        call_command("fx_rates_load", self.write(tmp_path, GOOD))
        changed = GOOD.replace("1.1594", "1.2000") + "EUR,JPY,160.5,2026-11-02T16:00:00+01:00\n"
        with pytest.raises(CommandError, match=r"EUR/USD at 2026-11-02T16:00:00\+01:00 is already 1.1594, not 1.2000"):
            call_command("fx_rates_load", self.write(tmp_path, changed))
        assert not Rate.objects.filter(quote="JPY").exists()
        assert Rate.objects.count() == 3

    def test_a_bad_file_stores_nothing(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match=r"rates.csv: line 5: 'XYZ' is not"):
            call_command("fx_rates_load", self.write(tmp_path, GOOD + "EUR,XYZ,1,2026-11-02T16:00:00Z\n"))
        assert Rate.objects.count() == 0

    def test_a_day_s_rates_with_plain_dates_load(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("fx_rates_load", self.write(tmp_path, "base,quote,mid,as_of\nEUR,USD,1.0842,2026-12-01\n"))
        assert capsys.readouterr().out.strip() == "1 rates added, 0 already known"
        assert Rate.objects.get().as_of == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)

    def test_a_rate_from_the_future_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(
            CommandError, match=r"rates.csv: line 2: as_of '2030-01-01T16:00:00\+01:00' is in the future"
        ):
            call_command(
                "fx_rates_load", self.write(tmp_path, "base,quote,mid,as_of\nEUR,USD,1.1,2030-01-01T16:00:00+01:00\n")
            )
        assert not Rate.objects.exists()

    def test_a_missing_file_is_one_line(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="cannot read"):
            call_command("fx_rates_load", str(tmp_path / "absent.csv"))


def test_refused_in_one_line_with_a_non_zero_exit(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("base,quote,mid,as_of\nEUR,USD,-1,2026-11-02T16:00:00Z\n")
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "manage.py", "fx_rates_load", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"CommandError: {path}: line 2: mid '-1' is not a plain decimal number (at most 12 decimals)"
    ]


def test_a_conflict_is_a_file_error() -> None:
    assert issubclass(RateConflict, RateFileInvalid)
