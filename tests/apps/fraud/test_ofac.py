from __future__ import annotations

from pathlib import Path

import pytest

from apps.fraud.ofac import SanctionsFileInvalid, imo_numbers, imo_parse, read_ofac
from tests.apps.fraud.conftest import OFAC_DIR, write_list

SDN = '10,"DOE, John",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1961; nationality Egypt."\n'
ALT = '10,1,"aka","DOE, Johnny",-0- \n'
ADD = '10,1,-0- ,"Cairo","Egypt",-0- \n'


class TestReadOfac:
    def test_the_real_snapshot_reads_whole(self) -> None:
        parsed = read_ofac(OFAC_DIR)
        assert len(parsed.entries) == 7379
        assert sum(len(e.aliases) for e in parsed.entries.values()) == 9682

    def test_comments_continue_the_remarks_and_the_dos_eof_is_ignored(self, tmp_path: Path) -> None:
        folder = write_list(tmp_path, sdn=SDN, alt=ALT, add=ADD, comments='10," Linked To: ACME."\n\x1a')
        assert read_ofac(folder).entries[10].remarks.endswith("nationality Egypt. Linked To: ACME.")

    def test_fields_aliases_and_identifiers(self, tmp_path: Path) -> None:
        parsed = read_ofac(write_list(tmp_path, sdn=SDN, alt=ALT, add=ADD))
        entry = parsed.entries[10]
        assert (entry.name, entry.sdn_type, entry.program, entry.title) == ("DOE, John", "individual", "SDGT", "")
        assert entry.aliases == [{"type": "aka", "name": "DOE, Johnny", "remarks": ""}]
        assert entry.birth_years() == [1961]
        assert entry.countries() == ["EG"]

    def test_countries_written_the_list_s_way_are_read(self, tmp_path: Path) -> None:
        sdn = (
            '20,"KIM, Test",individual,"DPRK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"nationality Korea, North."\n'
            '21,"IVANOV, Test",individual,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"nationality Russia."\n'
        )
        add = '20,1,-0- ,-0- ,"Burma",-0- \n21,2,-0- ,"Simferopol","Crimea",-0- \n'
        parsed = read_ofac(write_list(tmp_path, sdn=sdn, alt='20,1,"aka","KIM, Tester",-0- \n', add=add))
        assert parsed.entries[20].countries() == ["KP", "MM"]
        assert parsed.entries[21].countries() == ["RU", "UA"]

    @pytest.mark.parametrize(
        ("files", "message"),
        [
            ({"sdn": SDN + '11,"X",-0- ,"P"\n'}, "sdn.csv: line 2: 4 columns, expected 12"),
            (
                {"sdn": SDN + '11,"BROKEN,individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'},
                "sdn.csv: line 2",
            ),
            ({"sdn": SDN, "alt": '10,1,"aka","A"B",-0- \n'}, "alt.csv: line 1: broken quoting"),
            ({"sdn": ""}, "sdn.csv: line 1: the file is empty"),
            ({"sdn": SDN, "alt": '99,1,"aka","Ghost",-0- \n'}, "alt.csv: line 1: entry 99 is not in sdn.csv"),
            ({"sdn": SDN + SDN}, "sdn.csv: line 2: entry 10 appears twice"),
            (
                {"sdn": 'x,"A",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'},
                "sdn.csv: line 1: 'x' is not an entry",
            ),
        ],
    )
    def test_bad_files_are_refused_with_the_line(self, tmp_path: Path, files: dict[str, str], message: str) -> None:
        with pytest.raises(SanctionsFileInvalid) as refused:
            read_ofac(write_list(tmp_path, **{"alt": ALT, "add": ADD, **files}))
        assert message in str(refused.value)
        assert refused.value.code == "sanctions_file_invalid"

    @pytest.mark.parametrize("missing", ["alt.csv", "add.csv"])
    def test_a_folder_without_the_aliases_or_addresses_is_refused(self, tmp_path: Path, missing: str) -> None:
        # Loading it would drop every alias: a customer known to the list only by one would be lost.
        write_list(tmp_path, sdn=SDN, alt=ALT, add=ADD)
        (tmp_path / missing).unlink()
        with pytest.raises(SanctionsFileInvalid, match=rf"^{missing.replace('.', '[.]')}: line 0: file not found in "):
            read_ofac(tmp_path)

    def test_without_sdn_csv_it_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "alt.csv").write_text(ALT)
        with pytest.raises(SanctionsFileInvalid, match=r"^sdn\.csv: line 0: file not found in "):
            read_ofac(tmp_path)

    @pytest.mark.parametrize("name", ["alt", "add"])
    def test_a_file_that_is_there_but_empty_is_refused_as_truncated(self, tmp_path: Path, name: str) -> None:
        with pytest.raises(SanctionsFileInvalid, match=rf"{name}\.csv: line 1: the file is empty"):
            read_ofac(write_list(tmp_path, sdn=SDN, **{"alt": ALT, "add": ADD, name: ""}))


def test_a_vessel_s_imo_numbers_are_read_from_the_remarks_and_an_owner_s_are_not() -> None:
    remarks = (
        "Former Vessel Flag Malta; Vessel Registration Identification IMO 9187629; MMSI 572469210; "
        "alt. Vessel Registration Identification IMO 9187655; Company Number IMO 5849194."
    )
    assert imo_numbers(remarks) == frozenset({"9187629", "9187655"})


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("IMO 9187629", "9187629"),
        ("imo9187629", "9187629"),
        (" 9187629 ", "9187629"),
        ("9187628", None),  # the check digit is 9
        ("918762", None),
        ("91876290", None),
        ("IMO 91876-29", None),
        ("", None),
    ],
)
def test_an_imo_number_given_to_screen_is_checked(raw: str, number: str | None) -> None:
    assert imo_parse(raw) == number
