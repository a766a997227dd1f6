from typing import Any

from django.core.management.base import CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore import demo
from bankcore.commands import BankCommand
from bankcore.users.demo import DEMO_DOMAIN


class Command(BankCommand):
    help = "Print the current two-factor code of a demo user (demo addresses only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        if not demo.allowed():
            raise CommandError(demo.REFUSED)
        email = email.strip().lower()
        if not email.endswith(DEMO_DOMAIN):
            raise CommandError(f"only demo users ({DEMO_DOMAIN}) have a printable code")
        device = TOTPDevice.objects.filter(user__email=email, name="Demo authenticator", confirmed=True).first()
        if device is None:
            raise CommandError(f"no demo device for {email}: run `python manage.py seed_demo` first")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
