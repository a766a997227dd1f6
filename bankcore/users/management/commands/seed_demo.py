from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from bankcore import demo
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Create the demo data (idempotent: running it again changes nothing) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.allowed():
            raise CommandError(demo.REFUSED)
        lines: list[str] = []
        with transaction.atomic():
            for _name, seeder in demo.seeders():
                lines.extend(seeder())
        self.stdout.write("Demo logins:")
        for line in lines:
            self.stdout.write(f"  {line}")
