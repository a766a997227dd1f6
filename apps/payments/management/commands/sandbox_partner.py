"""``sandbox_partner [--json]``: the sandbox partner acting for acme, with a fresh secret (DESIGN.md §5)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from apps.payments.services import sandbox
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Make the sandbox partner (acting for acme@bankcore.localhost) ready; prints a fresh client secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            partner = sandbox.sandbox_partner_ensure(now=timezone.now())
        except sandbox.SandboxRefused as refused:
            raise CommandError(str(refused)) from None
        if options["json"]:
            self.stdout.write(json.dumps(partner.as_json()))
            return
        self.stdout.write(f"client_id:     {partner.client_id}")
        self.stdout.write(f"client_secret: {partner.client_secret}  (a new one on every run)")
        self.stdout.write(f"scopes:        {' '.join(partner.scopes)}")
        for account in partner.accounts:
            self.stdout.write(f"account:       {account['id']} {account['iban']} {account['currency']}")
        self.stdout.write(f"consent_id:    {partner.consent_id or '(none: alice has no account)'}")
        for wallet in partner.wallets:
            self.stdout.write(f"wallet:        {wallet['id']} {wallet['currency']}")
