from typing import Any

from django.core.management.base import CommandError, CommandParser

from apps.kyc import services
from bankcore.api import webhooks
from bankcore.commands import BankCommand
from bankcore.crypto import DecryptionFailed


class Command(BankCommand):
    help = (
        "Re-encrypt every encrypted field (KYC identifiers and documents, webhook secrets) "
        "with the newest key of FIELD_ENCRYPTION_KEYS (idempotent). "
        "Run after putting a new key first; drop the old key only once this has finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        try:
            changed = services.encryption_rotate(batch=options["batch"])
            # The kernel's partners keep their webhook signing secrets encrypted with the same keys.
            changed += webhooks.webhook_secrets_encryption_rotate(batch=options["batch"])
        except DecryptionFailed as exc:
            raise CommandError(f"{exc}: keep the old key in FIELD_ENCRYPTION_KEYS until rotation is done") from None
        self.stdout.write(f"re-encrypted {changed} row(s) with the newest key")
