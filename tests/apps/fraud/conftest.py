"""Fraud fixtures: the real OFAC snapshot is imported once per test session (per xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import transaction

from apps.fraud.models import SanctionsEntry, SanctionsListVersion
from apps.fraud.selectors import sanctions as lists
from apps.fraud.services import sanctions
from bankcore.events.models import OutboxEvent

OFAC_DIR = Path(__file__).resolve().parents[3] / "apps" / "fraud" / "data" / "ofac"
LOADED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _ofac_session(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Commit the list once for the whole session, and nothing else.

    The import also writes its ``fraud.sanctions.list_updated`` event, whose relay would start a
    re-screen: in a later test (of any app) that relays the outbox or counts its rows, it would
    be a row nobody made. It is deleted in the import's own transaction, so it is never committed.
    """
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        before = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        sanctions.sanctions_import(source="ofac", directory=OFAC_DIR, now=LOADED_AT)
        OutboxEvent.objects.filter(id__gt=before).delete()


@pytest.fixture
def ofac(_ofac_session: None, db: None) -> None:
    """The full OFAC list in the database (re-imported if a transactional test flushed it)."""
    if not SanctionsEntry.objects.exists():
        sanctions.sanctions_import(source="ofac", directory=OFAC_DIR, now=LOADED_AT)


@pytest.fixture
def no_list(db: None) -> None:
    """No sanctions list loaded (the session's list is removed inside this test's transaction)."""
    SanctionsEntry.objects.all().delete()
    SanctionsListVersion.objects.all().delete()


@pytest.fixture(autouse=True)
def _index_follows_the_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Test transactions roll back without on-commit hooks: check the list version on every screen.
    monkeypatch.setattr(lists, "INDEX_RECHECK_SECONDS", 0.0)
    return


# Every list has aliases and addresses (an empty alt.csv or add.csv is refused as truncated).
DEFAULT_ALT = '1,900,"aka","FIRST ALIAS",-0- \n'
DEFAULT_ADD = '1,900,-0- ,"Havana","Cuba",-0- \n'


def write_list(
    folder: Path, *, sdn: str, alt: str = DEFAULT_ALT, add: str = DEFAULT_ADD, comments: str | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sdn.csv").write_text(sdn, encoding="utf-8")
    (folder / "alt.csv").write_text(alt, encoding="utf-8")
    (folder / "add.csv").write_text(add, encoding="utf-8")
    if comments is not None:
        (folder / "sdn_comments.csv").write_text(comments, encoding="utf-8")
    return folder
