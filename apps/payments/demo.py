"""Demo data of payments: a few saved payees for the demo customers (idempotent)."""

from __future__ import annotations

from django.utils import timezone

from apps.payments.models import Beneficiary
from bankcore.users.models import User

DEMO_PAYEES = [
    ("alice@bankcore.localhost", "Max Mustermann", "DE89370400440532013000", "Max"),
    ("alice@bankcore.localhost", "SIM REJECT AC04", "FR1420041010050500013M02606", "Sandbox: rejected"),
    ("bob@bankcore.localhost", "Marie Dupont", "FR1420041010050500013M02606", "Marie"),
]


def seed() -> list[str]:
    now = timezone.now()
    made = 0
    for email, name, iban, nickname in DEMO_PAYEES:
        customer = User.objects.filter(email=email).first()
        if customer is None:
            continue
        _, new = Beneficiary.objects.get_or_create(
            customer=customer,
            iban=iban,
            status=Beneficiary.Status.ACTIVE,
            defaults={"name": name, "nickname": nickname, "created_at": now, "updated_at": now},
        )
        made += new
    return [f"payments: {made} demo beneficiaries added"] if made else []
