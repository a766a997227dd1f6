from __future__ import annotations

from pathlib import Path

import pytest

from apps.fraud import interface
from apps.fraud.models import SanctionsEntry, SanctionsListVersion
from apps.fraud.ofac import SanctionsFileInvalid
from apps.fraud.services import sanctions
from tests.apps.fraud.conftest import write_list

ROW = '{id},"{name}",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'


def sdn(**names: str) -> str:
    return "".join(ROW.format(id=key.lstrip("e"), name=name) for key, name in names.items())


@pytest.mark.usefixtures("no_list")
class TestSanctionsImport:
    def test_first_import_adds_everything_and_records_the_version(self, tmp_path: Path, now) -> None:
        folder = write_list(tmp_path, sdn=sdn(e1="DOE, John", e2="ROE, Richard"), alt='1,5,"aka","DOE, Johnny",-0- \n')
        report = sanctions.sanctions_import(source="ofac", directory=folder, now=now)
        assert (report.added, report.changed, report.removed, report.already_current) == (2, 0, 0, False)
        version = SanctionsListVersion.objects.get()
        assert (version.version, version.entry_count, version.imported_at) == (report.version, 2, now)
        assert SanctionsEntry.objects.get(source_id=1).aliases[0]["name"] == "DOE, Johnny"

    def test_reimport_is_idempotent(self, tmp_path: Path, now) -> None:
        folder = write_list(tmp_path, sdn=sdn(e1="DOE, John"))
        sanctions.sanctions_import(source="ofac", directory=folder, now=now)
        again = sanctions.sanctions_import(source="ofac", directory=folder, now=now)
        assert again.already_current
        assert (again.added, again.changed, again.removed) == (0, 0, 0)
        assert SanctionsListVersion.objects.count() == 1
        assert SanctionsEntry.objects.count() == 1

    def test_changes_are_counted(self, tmp_path: Path, now) -> None:
        sanctions.sanctions_import(
            source="ofac", directory=write_list(tmp_path / "a", sdn=sdn(e1="DOE, John", e2="ROE, Richard")), now=now
        )
        report = sanctions.sanctions_import(
            source="ofac", directory=write_list(tmp_path / "b", sdn=sdn(e1="DOE, Jonathan", e3="POE, Edgar")), now=now
        )
        assert (report.added, report.changed, report.removed) == (1, 1, 1)
        assert sorted(SanctionsEntry.objects.values_list("source_id", flat=True)) == [1, 3]
        assert [m.source_id for m in interface.screen_name("Jonathan Doe")] == [1]

    def test_a_bad_file_loads_nothing(self, tmp_path: Path, now) -> None:
        sanctions.sanctions_import(
            source="ofac", directory=write_list(tmp_path / "a", sdn=sdn(e1="DOE, John")), now=now
        )
        bad = write_list(tmp_path / "b", sdn=sdn(e1="DOE, Jonathan", e2="ROE, Richard"), add='2,1,"street"\n')
        with pytest.raises(SanctionsFileInvalid, match=r"add\.csv: line 1: 3 columns"):
            sanctions.sanctions_import(source="ofac", directory=bad, now=now)
        assert list(SanctionsEntry.objects.values_list("name", flat=True)) == ["DOE, John"]
        assert SanctionsListVersion.objects.count() == 1

    def test_a_list_loaded_before_is_put_back_in_force(self, tmp_path: Path, now) -> None:
        from datetime import timedelta

        from bankcore.events.models import OutboxEvent

        first = write_list(tmp_path / "a", sdn=sdn(e1="DOE, John", e2="ROE, Richard"))
        loaded = sanctions.sanctions_import(source="ofac", directory=first, now=now)
        sanctions.sanctions_import(
            source="ofac",
            directory=write_list(tmp_path / "b", sdn=sdn(e1="DOE, Jonathan", e3="POE, Edgar")),
            now=now + timedelta(hours=1),
        )
        OutboxEvent.objects.all().delete()
        again = sanctions.sanctions_import(source="ofac", directory=first, now=now + timedelta(hours=2))
        assert (again.version, again.reinstated, again.already_current) == (loaded.version, True, False)
        assert (again.added, again.changed, again.removed) == (1, 1, 1)
        assert interface.sanctions_list_version() == loaded.version
        assert sorted(SanctionsEntry.objects.values_list("source_id", flat=True)) == [1, 2]
        assert [m.source_id for m in interface.screen_name("Richard Roe")] == [2]
        assert SanctionsListVersion.objects.count() == 2
        row = SanctionsListVersion.objects.get(version=loaded.version)
        assert (row.imported_at, row.added, row.changed, row.removed) == (now + timedelta(hours=2), 1, 1, 1)
        payloads = OutboxEvent.objects.filter(name="fraud.sanctions.list_updated").values_list("payload", flat=True)
        assert list(payloads) == [{"source": "ofac", "version": loaded.version}]

    def test_demo_seeding_keeps_a_list_loaded_after_the_shipped_one(self, tmp_path: Path, now) -> None:
        from datetime import timedelta

        shipped = write_list(tmp_path / "shipped", sdn=sdn(e1="DOE, John"))
        sanctions.sanctions_demo_ensure(directory=shipped, now=now)
        own = sanctions.sanctions_import(
            source="ofac",
            directory=write_list(tmp_path / "own", sdn=sdn(e1="DOE, Jonathan")),
            now=now + timedelta(hours=1),
        )
        report = sanctions.sanctions_demo_ensure(directory=shipped, now=now + timedelta(hours=2))
        assert (report.version, report.already_current) == (own.version, True)
        assert interface.sanctions_list_version() == own.version

    def test_an_update_publishes_the_event_that_starts_a_rescreen(self, tmp_path: Path, now) -> None:
        from bankcore.events.models import OutboxEvent

        report = sanctions.sanctions_import(
            source="ofac", directory=write_list(tmp_path, sdn=sdn(e1="DOE, John")), now=now
        )
        payloads = OutboxEvent.objects.filter(name="fraud.sanctions.list_updated").values_list("payload", flat=True)
        assert {"source": "ofac", "version": report.version} in list(payloads)


@pytest.mark.django_db
class TestScreenNameOnTheRealList:
    def test_well_known_names(self, ofac: None) -> None:
        top = interface.screen_name("Ayman al-Zawahiri")[0]
        assert (top.source_id, top.score) == (2676, 1.0)
        assert "zawahiri" in top.why

    def test_each_match_carries_what_the_issue_asks(self, ofac: None) -> None:
        match = interface.screen_name("Osama bin Laden")[0]
        assert match.source_id == 6365
        assert match.matched_name == "BIN LADEN, Osama"
        assert match.program == "SDGT, SDT"
        assert match.alias_type == "aka"

    def test_kind_filters_and_birth_year_lowers(self, ofac: None) -> None:
        assert all(m.sdn_type == "" for m in interface.screen_name("Osama bin Laden", kind="entity"))
        same = interface.screen_name("Ayman al-Zawahiri", birth_year=1951)[0]
        other = interface.screen_name("Ayman al-Zawahiri", birth_year=1990)[0]
        assert same.score == 1.0
        assert "agrees" in same.why
        assert other.score == pytest.approx(0.9)
        assert "differs" in other.why

    def test_ordinary_name_does_not_match(self, ofac: None) -> None:
        assert interface.screen_name("Emma Thompson") == []


@pytest.mark.django_db
def test_the_session_list_leaves_only_the_list_behind(ofac: None) -> None:
    """Later tests (of any app) see the sanctions list the session committed, and no event of it."""
    from apps.fraud import events as fraud_events
    from bankcore.events.models import OutboxEvent

    assert SanctionsEntry.objects.count() == 7379
    assert not OutboxEvent.objects.filter(name__in=fraud_events.ALL).exists()
