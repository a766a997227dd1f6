from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from apps.payments.clearing_commands import add_at, moment, refusing
from apps.payments.clearing_tick import clearing_tick_run
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "A whole clearing round for demos: settlement_cycle, clearing_simulate and clearing_ingest in a row."

    def add_arguments(self, parser: CommandParser) -> None:
        add_at(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options)
        result = refusing(lambda: clearing_tick_run(now=now))
        for line in result.lines():
            self.stdout.write(line)
