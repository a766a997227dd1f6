from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from apps.payments.clearing_commands import add_at, moment, refusing
from apps.payments.clearing_tick import clearing_simulate_run
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Run the clearing house simulator once: take CLEARING_DIR/outbox/, answer into CLEARING_DIR/inbox/."

    def add_arguments(self, parser: CommandParser) -> None:
        add_at(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options)
        summary = refusing(lambda: clearing_simulate_run(now=now))
        self.stdout.write(f"clearing house: {summary.line()}")
