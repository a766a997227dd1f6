from typing import Any

from django.core.management.base import CommandError, CommandParser

from bankcore.api import services
from bankcore.commands import BankCommand
from bankcore.users import services as users


class Command(BankCommand):
    help = "Register a partner (OAuth2 client credentials) with the given scopes; prints the secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", nargs="+", required=True, help="e.g. accounts:read payments:write")
        parser.add_argument("--acting-for", help="e-mail of the business customer the partner acts for")

    def handle(self, *args: Any, **options: Any) -> None:
        acting_for_id = None
        if options["acting_for"]:
            acting_for_id = users.user_id_for_email(email=options["acting_for"])
            if acting_for_id is None:
                raise CommandError(f"No customer with e-mail {options['acting_for']}.")
        try:
            credentials = services.partner_create(
                name=options["name"], scopes=options["scopes"], acting_for_id=acting_for_id
            )
        except services.PartnerRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"client_id:     {credentials.client_id}")
        self.stdout.write(f"client_secret: {credentials.client_secret}  (shown once; only its hash is kept)")
