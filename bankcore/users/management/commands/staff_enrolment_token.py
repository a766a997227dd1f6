from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from bankcore.commands import BankCommand
from bankcore.users import services


class Command(BankCommand):
    help = (
        "Print a single-use token for a staff member to enrol their authenticator app (shown once). "
        "For the first administrator; afterwards administrators issue tokens in the back office."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        user_id = services.user_id_for_email(email=email.strip())
        if user_id is None:
            raise CommandError(f"no user with the e-mail address {email.strip()!r}")
        try:
            token = services.enrolment_token_issue(user_id=user_id, issued_by_id=None, now=timezone.now())
        except services.SecondFactorRefused as refused:
            raise CommandError(str(refused)) from None
        hours = int(services.ENROLMENT_TOKEN_TTL.total_seconds() // 3600)
        self.stderr.write(f"Enrolment token for {email.strip().lower()} (works once, for {hours} hours):")
        self.stdout.write(token)
