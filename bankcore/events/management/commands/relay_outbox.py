from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from bankcore.commands import BankCommand
from bankcore.events import registry, services


class Command(BankCommand):
    help = (
        "Dispatch pending outbox events to their handlers (until none is left, or once with --once), "
        "then what follows them (due webhook deliveries)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="relay one batch and stop")
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            done = services.outbox_relay(now=timezone.now(), batch_size=options["batch_size"])
            total += done
            if options["once"] or done == 0:
                break
        self.stdout.write(f"relayed {total} event(s)")
        for name, hook in registry.after_relay_hooks().items():
            self.stdout.write(f"{name}: {hook(timezone.now())}")
