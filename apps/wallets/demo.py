"""Demo wallets: each demo customer gets an EUR wallet holding 250.00 EUR (a demo card top-up)."""

from __future__ import annotations

from django.utils import timezone

from apps.wallets.models import BankAccount
from apps.wallets.services.phones import phone_verified_set
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.users.models import User

# Numbers of the 555-0100..0199 range, kept for fiction: no real phone ever has them.
DEMO = [("alice@bankcore.localhost", "+12025550101"), ("bob@bankcore.localhost", "+12025550102")]
DEMO_BALANCE = Money.of("250.00", "EUR")


def seed() -> list[str]:
    now = timezone.now()
    lines = []
    for email, phone in DEMO:
        customer_id = User.objects.filter(email=email).values_list("pk", flat=True).first()
        if customer_id is None:
            continue
        wallet = wallet_open(customer_id=customer_id, currency="EUR", now=now)
        phone_verified_set(customer_id=customer_id, phone=phone, now=now)
        clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency="EUR")
        # Keyed per wallet: seeding again finds the entry and changes nothing.
        ledger.transfer(
            from_account_id=clearing, to_account_id=wallet.ledger_account_id, amount=DEMO_BALANCE,
            idempotency_key=f"demo:wallet:{wallet.pk}", description="Demo top-up",
        )  # fmt: skip
        lines.append(f"{email} ({phone})")
    return [f"{'wallets':<14} EUR wallet with {DEMO_BALANCE.format()}: {', '.join(lines)}"] if lines else []
