from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from apps.payments.clearing_commands import add_at, moment, refusing
from apps.payments.settlement import settlement_cycle_run
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Gather due accepted SEPA payments into pacs.008 files in CLEARING_DIR/outbox/ and mark them submitted."

    def add_arguments(self, parser: CommandParser) -> None:
        add_at(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options)
        result = refusing(lambda: settlement_cycle_run(now=now))
        self.stdout.write(result.line())
