from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import CommandError, CommandParser

from apps.fraud import interface
from bankcore.commands import BankCommand


class Command(BankCommand):
    help = "Screen a name against the sanctions list and print the matches, best first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true", help="print a JSON array of matches")
        parser.add_argument("--kind", choices=["individual", "entity", "vessel", "aircraft"], default=None)
        parser.add_argument("--birth-year", type=int, default=None)
        parser.add_argument("--country", default=None, help="ISO 3166 alpha-2 code or country name")
        parser.add_argument("--imo", default=None, help="a vessel's IMO number (seven digits)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["name"].strip():
            raise CommandError("give a name to screen")
        for option in ("name", "country"):
            try:
                (options[option] or "").encode("utf-8")
            except UnicodeEncodeError:
                raise CommandError(f"the {option} is not valid UTF-8 text") from None
        if not interface.sanctions_list_version():
            raise CommandError("no sanctions list loaded: run `manage.py import_sanctions ofac --dir DIR` first")
        try:
            matches = interface.screen_name(
                options["name"],
                kind=options["kind"],
                birth_year=options["birth_year"],
                country=options["country"],
                imo=options["imo"],
            )
        except interface.ScreeningInputInvalid as refused:
            raise CommandError(str(refused)) from None
        if options["json"]:
            self.stdout.write(json.dumps([asdict(m) for m in matches], indent=2))
            return
        if not matches:
            self.stdout.write("no match")
            return
        for m in matches:
            self.stdout.write(
                f"{m.score:.3f}  ofac:{m.source_id}  {m.listed_name}  [{m.program}]  {m.sdn_type or 'entity'}"
            )
            self.stdout.write(f"       {m.why}")
