"""`statement_render --iban IBAN --from DATE --to DATE --format pdf|camt053 --out PATH`."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from apps.accounts import selectors
from apps.accounts.errors import AccountNotFound
from apps.accounts.statements import builder, jobs
from bankcore.commands import BankCommand
from bankcore.dates import iso_date


def _date(value: str | None, option: str) -> date:
    if not value:
        raise CommandError(f"{option} is required (YYYY-MM-DD)")
    try:
        return iso_date(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BankCommand):
    help = "Write an account's statement for a range of bank days as PDF or camt.053.001.08 XML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iban")
        parser.add_argument("--from", dest="from_date", help="first bank day, YYYY-MM-DD")
        parser.add_argument("--to", dest="to_date", help="last bank day, YYYY-MM-DD")
        parser.add_argument("--format", dest="fmt", help="pdf or camt053")
        parser.add_argument("--out", help="file to write (replaced atomically)")

    def handle(self, *args: Any, **options: Any) -> None:
        iban = options["iban"] or ""
        if not iban.strip():
            raise CommandError("--iban is required")
        from_date = _date(options["from_date"], "--from")
        to_date = _date(options["to_date"], "--to")
        fmt = options["fmt"] or ""
        if fmt not in ("pdf", "camt053"):
            raise CommandError(f"--format must be pdf or camt053, not {fmt!r}")
        if not options["out"]:
            raise CommandError("--out is required")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {str(out.parent)!r} does not exist")
        account = selectors.account_by_iban(iban=iban)
        if account is None:
            raise CommandError(f"no account of this bank has IBAN {iban!r}")
        try:
            statement = builder.statement_build(
                account_id=account.pk, from_date=from_date, to_date=to_date, now=timezone.now()
            )
        except (builder.StatementRefused, AccountNotFound) as refused:
            raise CommandError(str(refused)) from None
        content = jobs.statement_render(statement=statement, fmt=fmt)
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"{out}: {len(statement.lines)} lines, opening {statement.opening}, closing {statement.closing}"
        )
