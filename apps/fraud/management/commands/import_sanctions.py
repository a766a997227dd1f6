from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from apps.fraud.models import SanctionsSource
from apps.fraud.ofac import SanctionsFileInvalid
from apps.fraud.services import sanctions
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = (
        "Import a sanctions list (OFAC legacy CSV: sdn.csv [, alt.csv, add.csv, sdn_comments.csv]); all or nothing; "
        "files imported before are put back in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=SanctionsSource.values, help="which list the files are")
        parser.add_argument("--dir", required=True, type=Path, help="folder holding the list's files")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["no_progress"] or options["verbosity"] == 0

        def progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
            bar: Iterable[Any] = tqdm(items, total=total, desc=label, unit="entry", disable=quiet, leave=False)
            return bar

        try:
            report = sanctions.sanctions_import(
                source=options["source"], directory=options["dir"], now=timezone.now(), progress=progress
            )
        except SanctionsFileInvalid as exc:
            raise CommandError(f"refused, nothing loaded: {exc}") from None
        if report.already_current:
            self.stdout.write(
                f"{report.source} {report.version} ({report.list_date}): already current, "
                f"{report.entries} entries; added 0, changed 0, removed 0"
            )
        else:
            again = "back in force, " if report.reinstated else ""
            self.stdout.write(
                f"{report.source} {report.version} ({report.list_date}): {again}{report.entries} entries; "
                f"added {report.added}, changed {report.changed}, removed {report.removed}"
            )
