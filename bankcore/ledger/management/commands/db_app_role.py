"""`manage.py db_app_role ROLE`: give the application's login role its rights, and no more (run as the owner)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from bankcore.commands import BankCommand
from bankcore.ledger.app_role import AppRoleRefused, app_role_grant


class Command(BankCommand):
    help = (
        "Grant an existing, non-superuser role what the running bank needs (tables, sequences, the posting"
        " functions) without the rights to alter the books. Run after every migrate, as the tables' owner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the database role the application connects as")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                app_role_grant(role=options["role"])
        except AppRoleRefused as refused:
            raise CommandError(f"db_app_role: {refused}") from None
        self.stdout.write(f"db_app_role: {options['role']} holds the application's rights")
