"""What PostgreSQL runs is what bankcore/ledger/sql/ shows: the files and the database never drift.

Each file is run against the installed database inside a transaction that is rolled back, and
PostgreSQL's own rendering of the object (``pg_get_functiondef``, ``pg_get_triggerdef``) before
and after is compared, so the header is judged by PostgreSQL and the body word by word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

import bankcore.ledger
from bankcore.ledger.migrations import _sql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LIVE = Path(bankcore.ledger.__file__).resolve().parent / "sql"
FILES = sorted(path.stem for path in LIVE.glob("*.sql"))


def normalised(text: str) -> str:
    """Runs of whitespace count as one space: indentation is layout, every word is behaviour."""
    return " ".join(text.split())


def installed(cursor: Any) -> dict[str, tuple[str, ...]]:
    """Every ledger function and trigger as PostgreSQL renders it, with its owner and grants or its state."""
    cursor.execute(
        "SELECT p.proname, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner), coalesce(p.proacl::text, '')"
        " FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'ledger\\_%'"
    )
    objects: dict[str, tuple[str, ...]] = {
        name: (normalised(text), owner, acl) for name, text, owner, acl in cursor.fetchall()
    }
    cursor.execute(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'ledger\\_%'"
    )
    for name, text, enabled in cursor.fetchall():
        objects[name] = (normalised(text), str(enabled))
    return objects


def drift(name: str, text: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """(installed, as the file would install it) for one object; the two are equal when in step."""
    with transaction.atomic(), connection.cursor() as cursor:
        before = installed(cursor).get(name)
        cursor.execute(text)
        after = installed(cursor).get(name)
        transaction.set_rollback(True)
    return before, after


def test_every_installed_function_and_trigger_has_its_file_and_no_more() -> None:
    with connection.cursor() as cursor:
        assert sorted(installed(cursor)) == FILES


@pytest.mark.parametrize("name", FILES)
def test_each_file_is_what_the_database_runs(name: str) -> None:
    before, after = drift(name, (LIVE / f"{name}.sql").read_text(encoding="utf-8"))
    assert before is not None
    assert before == after


@pytest.mark.parametrize("name", FILES)
def test_the_newest_frozen_copy_is_the_live_file(name: str) -> None:
    """The migrations install the live text: the last migration to freeze a file froze this one."""
    copies = sorted(_sql.FROZEN.glob(f"*/{name}.sql"))
    assert copies, f"no migration installs {name}"
    assert copies[-1].read_text(encoding="utf-8") == (LIVE / f"{name}.sql").read_text(encoding="utf-8")


class TestTheComparisonCatchesDrift:
    """The comparison itself, shown to fail on a changed body and to ignore layout only."""

    TEXT = (LIVE / "ledger_refuse_change.sql").read_text(encoding="utf-8")

    def test_a_changed_body_differs(self) -> None:
        changed = self.TEXT.replace("post a reversing entry instead", "post a reversal instead")
        assert changed != self.TEXT
        before, after = drift("ledger_refuse_change", changed)
        assert before != after

    def test_a_change_of_layout_only_does_not(self) -> None:
        relaid = self.TEXT.replace("\n    ", "\n        ")
        assert relaid != self.TEXT
        before, after = drift("ledger_refuse_change", relaid)
        assert before == after

    def test_a_disabled_trigger_differs(self) -> None:
        text = (LIVE / "ledger_postings_guard.sql").read_text(encoding="utf-8")
        before, after = drift(
            "ledger_postings_guard", text + "ALTER TABLE ledger_posting DISABLE TRIGGER ledger_postings_guard;"
        )
        assert before != after
