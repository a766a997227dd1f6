"""Demo users: one staff member per role and two customers, each with an authenticator device.

The devices' secrets are derived from the e-mail address (demo data only), so the printed secret
and ``manage.py demo_otp_code EMAIL`` keep working across runs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.users import roles, services

DEMO_PASSWORD = "demo-Passw0rd!"  # noqa: S105 - demo data only; `make run` prints it
DEMO_DOMAIN = "@bankcore.localhost"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser("admin@bankcore.localhost", "Ada Admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True),
    DemoUser("support@bankcore.localhost", "Sam Support", roles.SUPPORT_AGENT, is_staff=True),
    DemoUser("kyc@bankcore.localhost", "Kim Kyc", roles.KYC_OFFICER, is_staff=True),
    DemoUser("fraud@bankcore.localhost", "Fred Fraud", roles.FRAUD_ANALYST, is_staff=True),
    DemoUser("payments@bankcore.localhost", "Pat Payments", roles.PAYMENTS_OPERATOR, is_staff=True),
    DemoUser("auditor@bankcore.localhost", "Audrey Auditor", roles.AUDITOR, is_staff=True),
    DemoUser("alice@bankcore.localhost", "Alice Example", "customer"),
    DemoUser("bob@bankcore.localhost", "Bob Example", "customer"),
]


def demo_totp_key(email: str) -> str:
    """A fixed 20-byte hex key per demo address (never used for real accounts)."""
    return hashlib.sha256(f"bankcore-demo:{email}".encode()).hexdigest()[:40]


def seed() -> list[str]:
    roles.roles_sync()
    lines = []
    for demo in DEMO_USERS:
        user_id = services.user_ensure(
            email=demo.email,
            password=DEMO_PASSWORD,
            full_name=demo.full_name,
            is_staff=demo.is_staff,
            is_superuser=demo.is_superuser,
        )
        EmailAddress.objects.get_or_create(
            user_id=user_id, email=demo.email, defaults={"verified": True, "primary": True}
        )
        if demo.role in roles.ROLES:
            roles.user_roles_set(user_id=user_id, roles=[demo.role])
        key = demo_totp_key(demo.email)
        TOTPDevice.objects.get_or_create(
            user_id=user_id, name="Demo authenticator", defaults={"key": key, "confirmed": True}
        )
        secret = base64.b32encode(bytes.fromhex(key)).decode()
        lines.append(f"{demo.role:<18} {demo.email:<28} password: {DEMO_PASSWORD}  TOTP secret: {secret}")
    lines.append("Two-factor code for any demo login: python manage.py demo_otp_code EMAIL")
    lines.append("  (or add the TOTP secret above to an authenticator app)")
    return lines
