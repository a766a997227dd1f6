from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from bankcore.api import webhooks
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Send the webhook deliveries that are due (until none is left, or one batch with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="send one batch and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            sent = webhooks.webhook_deliveries_send(now=timezone.now())
            total += sent
            if options["once"] or sent == 0:
                break
        self.stdout.write(f"delivered {total} webhook(s)")
