from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from apps.payments.clearing_commands import add_at, moment, refusing
from apps.payments.clearing_tick import clearing_ingest_all
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Take every file in CLEARING_DIR/inbox/ (status reports, returns, incoming) into processed/ or rejected/."

    def add_arguments(self, parser: CommandParser) -> None:
        add_at(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options)
        result, expired = refusing(lambda: clearing_ingest_all(now=now))
        self.stdout.write(f"ingest: {result.line()}; {expired} returned from suspense")
        for name, error in result.rejected.items():
            self.stderr.write(f"rejected {name}: {error}")
