from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bankcore.api import services


class Command(BaseCommand):
    help = "Register a partner (OAuth2 client credentials) with the given scopes; prints the secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", nargs="+", required=True, help="e.g. accounts:read payments:write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = services.partner_create(name=options["name"], scopes=options["scopes"])
        except services.PartnerRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"client_id:     {credentials.client_id}")
        self.stdout.write(f"client_secret: {credentials.client_secret}  (shown once; only its hash is kept)")
