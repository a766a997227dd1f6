"""Sanctions lists: importing a list, all or nothing, and telling the re-screen it changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.fraud import events as fraud_events
from apps.fraud.models import SanctionsEntry, SanctionsListVersion, SanctionsSource
from apps.fraud.ofac import SanctionsFileInvalid, files_version, read_ofac
from apps.fraud.selectors.sanctions import sanctions_index_forget, sanctions_version_current
from apps.fraud.types import ImportReport
from bankcore.events import publish

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]  # (iterable, total, label) -> iterable


def _no_progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    return items


def sanctions_import(*, source: str, directory: Path, now: datetime, progress: Progress = _no_progress) -> ImportReport:
    """Load a list from ``directory``; all or nothing, idempotent. Raises SanctionsFileInvalid.

    The files are read and checked whole before anything is written. Importing the same files
    again changes nothing and reports ``already_current``. A changed list gets a new version row
    with the added / changed / removed counts and publishes ``fraud.sanctions.list_updated``, whose
    handler starts the re-screen of every party kept screened once the import has committed.
    Files imported before and since replaced by another list are put back in force the same way
    (``reinstated``): their version row becomes the latest again.
    """
    if source not in SanctionsSource.values:
        known = ", ".join(SanctionsSource.values)
        raise SanctionsFileInvalid(f"unknown list {source!r} (known: {known})", code="unknown_list")
    parsed = read_ofac(directory)
    with transaction.atomic():
        current = sanctions_version_current(source=source)
        existing = dict(SanctionsEntry.objects.filter(source=source).values_list("source_id", "content_hash"))
        records: dict[int, tuple[dict[str, Any], str]] = {}
        for source_id, entry in progress(parsed.entries.items(), len(parsed.entries), "checking"):
            record = entry.as_record()
            digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
            records[source_id] = (record, digest)
        added = [sid for sid in records if sid not in existing]
        changed = [sid for sid in records if sid in existing and existing[sid] != records[sid][1]]
        removed = [sid for sid in existing if sid not in records]
        if current == parsed.version or (not (added or changed or removed) and current):
            return ImportReport(source, current, str(parsed.list_date), len(records), 0, 0, 0, already_current=True)
        figures = {
            "list_date": parsed.list_date,
            "imported_at": now,
            "entry_count": len(records),
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
        }
        version, created = SanctionsListVersion.objects.get_or_create(
            source=source, version=parsed.version, defaults=figures
        )
        if not created:
            # Files in force before another list replaced them (an operator going back): they are
            # the list in force again from now. One row per version stays the rule, so the row
            # moves to now and carries the counts of this change; the event below still starts
            # the re-screen, since what is listed changed.
            for name, value in figures.items():
                setattr(version, name, value)
            version.save(update_fields=list(figures))
        SanctionsEntry.objects.filter(source=source, source_id__in=removed).delete()
        new_rows = [
            SanctionsEntry(
                source=source, source_id=sid, content_hash=records[sid][1], updated_in=version, **records[sid][0]
            )
            for sid in added
        ]
        for start in progress(range(0, len(new_rows), 1000), (len(new_rows) + 999) // 1000, "adding"):
            SanctionsEntry.objects.bulk_create(new_rows[start : start + 1000])
        if changed:
            rows = list(SanctionsEntry.objects.filter(source=source, source_id__in=changed))
            for row in rows:
                record, digest = records[row.source_id]
                for name, value in record.items():
                    setattr(row, name, value)
                row.content_hash = digest
                row.updated_in = version
            SanctionsEntry.objects.bulk_update(rows, [*record.keys(), "content_hash", "updated_in"], batch_size=500)
        publish(fraud_events.SANCTIONS_LIST_UPDATED, {"source": source, "version": parsed.version})
        transaction.on_commit(sanctions_index_forget)
    return ImportReport(
        source,
        parsed.version,
        str(parsed.list_date),
        len(records),
        len(added),
        len(changed),
        len(removed),
        already_current=False,
        reinstated=not created,
    )


def sanctions_demo_ensure(*, directory: Path, now: datetime) -> ImportReport:
    """Import ``directory`` (the shipped snapshot) unless a list it should not replace is in force.

    Nothing is imported when its files are the version in force already (a cheap re-run), nor
    when they were imported once and another list has been imported since: an operator chose that
    list, and seeding demo data again must not undo the choice. The report then names the list
    in force. A snapshot never seen (the first run, or one a release changed) is imported.
    """
    version = files_version(directory)
    source = SanctionsSource.OFAC
    current = SanctionsListVersion.objects.filter(source=source).order_by("-imported_at", "-id").first()
    superseded = SanctionsListVersion.objects.filter(source=source, version=version).exists()
    if current is not None and (current.version == version or superseded):
        return ImportReport(
            source, current.version, str(current.list_date), current.entry_count, 0, 0, 0, already_current=True
        )
    return sanctions_import(source=source, directory=directory, now=now)
