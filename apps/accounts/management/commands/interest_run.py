"""`interest_run --date DATE`: accrue that bank day (and any missed before it), post what is due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from apps.accounts import interest
from bankcore.commands import BankCommand
from bankcore.dates import iso_date


class Command(BankCommand):
    help = "Accrue interest for a bank day (catching up missed days) and post interest and fees due on it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="run_date", help="the bank day, YYYY-MM-DD (it must have ended)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["run_date"]:
            raise CommandError("--date is required (YYYY-MM-DD)")
        try:
            run_date = iso_date(options["run_date"])
        except ValueError:
            raise CommandError(f"--date {options['run_date']!r} is not a date (YYYY-MM-DD)") from None
        try:
            report = interest.interest_run(run_date=run_date, now=timezone.now())
        except interest.InterestRunRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"interest {run_date.isoformat()}: {len(report.days_accrued)} day(s) accrued,"
            f" {report.accruals_written} accrual rows, {report.postings} postings"
            f" (credit {report.credit_posted_minor}, debit {report.debit_posted_minor} minor units,"
            f" {report.debits_refused} debits refused), fees {report.fees_charged} charged,"
            f" {report.fees_waived} waived, {report.fees_refused} refused"
            + ("" if report.caught_up else "; more missed days remain: run again")
        )
