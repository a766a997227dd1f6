from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.fraud import demo
from apps.fraud.models import SanctionsEntry
from tests.apps.fraud.conftest import OFAC_DIR, write_list

SDN = '1,"DOE, John",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.usefixtures("no_list")
class TestImportSanctions:
    def test_reports_counts_then_already_current(self, tmp_path: Path) -> None:
        folder = write_list(tmp_path, sdn=SDN)
        assert "added 1, changed 0, removed 0" in run("import_sanctions", "ofac", "--dir", str(folder))
        assert "already current" in run("import_sanctions", "ofac", "--dir", str(folder))

    def test_bad_file_is_one_line_and_loads_nothing(self, tmp_path: Path) -> None:
        folder = write_list(tmp_path, sdn=SDN + '2,"ROE"\n')
        with pytest.raises(CommandError) as failed:
            run("import_sanctions", "ofac", "--dir", str(folder))
        assert str(failed.value) == "refused, nothing loaded: sdn.csv: line 2: 2 columns, expected 12"
        assert not SanctionsEntry.objects.exists()

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ('3000000000,"DOE, Jane",individual,"SDGT"' + ",-0- " * 8 + "\n", "number 3000000000 is out of range"),
            ('-5,"DOE, Jane",individual,"SDGT"' + ",-0- " * 8 + "\n", "entry number -5 is out of range"),
            ('2,"DOE,\x00 Jane",individual,"SDGT"' + ",-0- " * 8 + "\n", "a NUL character"),
            ('2,"' + "A" * 501 + '",individual,"SDGT"' + ",-0- " * 8 + "\n", "name is longer than 500"),
            ('2,"DOE, Jane",' + "x" * 21 + ',"SDGT"' + ",-0- " * 8 + "\n", "type is longer than 20"),
            ('2,"DOE, Jane",individual,"' + "P" * 201 + '"' + ",-0- " * 8 + "\n", "program is longer than 200"),
        ],
    )
    def test_values_the_database_cannot_store_are_refused_with_the_line(
        self, tmp_path: Path, line: str, message: str
    ) -> None:
        folder = write_list(tmp_path, sdn=SDN + line)
        with pytest.raises(CommandError) as failed:
            run("import_sanctions", "ofac", "--dir", str(folder))
        assert "sdn.csv: line 2: " in str(failed.value)
        assert message in str(failed.value)
        assert not SanctionsEntry.objects.exists()


@pytest.mark.django_db
class TestImportSanctionsAgain:
    def test_the_shipped_list_is_put_back_after_another(self, ofac: None, tmp_path: Path) -> None:
        shipped = str(OFAC_DIR)
        run("import_sanctions", "ofac", "--dir", shipped, "--no-progress")
        run("import_sanctions", "ofac", "--dir", str(write_list(tmp_path, sdn=SDN)), "--no-progress")
        assert run("screen", "Usama bin Ladin").strip() == "no match"
        out = run("import_sanctions", "ofac", "--dir", shipped, "--no-progress")
        assert "back in force, 7379 entries; added 7379, changed 0, removed 1" in out
        assert "ofac:6365" in run("screen", "Usama bin Ladin")
        assert "already current" in run("import_sanctions", "ofac", "--dir", shipped, "--no-progress")
        # Demo seeding runs the same import: it finds the shipped list in force and changes nothing.
        assert "7379 entries" in demo.seed()[0]

    def test_a_list_of_sdn_csv_alone_is_refused(self, no_list: None, tmp_path: Path) -> None:
        # Without alt.csv every alias would be dropped: refused whole, nothing loaded.
        (tmp_path / "sdn.csv").write_text(SDN)
        with pytest.raises(CommandError) as failed:
            run("import_sanctions", "ofac", "--dir", str(tmp_path))
        assert str(failed.value) == f"refused, nothing loaded: alt.csv: line 0: file not found in {tmp_path}"
        assert not SanctionsEntry.objects.exists()

    def test_a_folder_without_sdn_csv_is_refused_in_one_line(self, no_list: None, tmp_path: Path) -> None:
        with pytest.raises(CommandError) as failed:
            run("import_sanctions", "ofac", "--dir", str(tmp_path))
        assert str(failed.value) == f"refused, nothing loaded: sdn.csv: line 0: file not found in {tmp_path}"


@pytest.mark.django_db
class TestScreen:
    def test_json(self, ofac: None) -> None:
        matches = json.loads(run("screen", "Usama bin Ladin", "--json"))
        assert matches[0]["source_id"] == 6365
        assert set(matches[0]) >= {"source_id", "matched_name", "program", "score", "why"}

    def test_text_and_no_match(self, ofac: None) -> None:
        assert "ofac:6365" in run("screen", "Usama bin Ladin")
        assert run("screen", "Emma Thompson").strip() == "no match"

    def test_a_vessel_by_its_imo_number(self, ofac: None) -> None:
        out = run("screen", "Sea Breeze", "--kind", "vessel", "--imo", "IMO 9187629")
        assert "ofac:15036  ARTAVIL" in out
        with pytest.raises(CommandError) as refused:
            run("screen", "Sea Breeze", "--imo", "9187628")
        assert str(refused.value) == "'9187628' is not an IMO number: seven digits, the last a check digit."

    def test_without_a_list_it_says_so(self, no_list: None) -> None:
        with pytest.raises(CommandError, match="no sanctions list loaded"):
            run("screen", "Anyone")

    @pytest.mark.parametrize("args", [("\udcff",), ("Usama bin Ladin", "--country", "D\udce9")])
    def test_bytes_that_are_not_utf8_are_refused_in_one_line(self, ofac: None, args: tuple[str, ...]) -> None:
        # A shell hands undecodable bytes to Python as lone surrogates, which no encoder accepts.
        with pytest.raises(CommandError, match="not valid UTF-8"):
            run("screen", *args)
