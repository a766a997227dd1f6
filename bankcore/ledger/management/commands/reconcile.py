"""`manage.py reconcile`: prove the stored balances from the postings; exit 1 naming each drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from bankcore.commands import BankCommand
from bankcore.ledger import selectors as ledger_read


class Command(BankCommand):
    help = "Check every account's stored balance against its postings and every entry's balance."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_read.reconcile()
        summary = f"{report.accounts} accounts, {report.entries} entries, {report.postings} postings"
        if report.clean:
            self.stdout.write(f"reconcile: clean: {summary}")
            return
        for drift in report.drifts:
            self.stdout.write(f"DRIFT {drift}")
        raise CommandError(f"reconcile: {len(report.drifts)} drift(s) in {summary}")
