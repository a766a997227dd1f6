from typing import Any

from bankcore.commands import BankCommand
from bankcore.users import roles


class Command(BankCommand):
    help = "Create or update the staff role groups with exactly their permissions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for role, count in roles.roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
