from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from bankcore.commands import BankCommand
from bankcore.fx import services
from bankcore.fx.errors import RateFileInvalid


class Command(BankCommand):
    help = (
        "Load reference rates from a CSV file (base,quote,mid,as_of: a moment with its offset, or a date "
        "for the start of that bank day); idempotent, all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="where the rates come from (default: the file name)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read: {exc}") from None
        try:
            now = timezone.now()
            rows = services.rates_parse(text=text, now=now)
            report = services.rates_load(rows=rows, source=options["source"] or path.name, now=now)
        except RateFileInvalid as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(f"{report.added} rates added, {report.known} already known")
