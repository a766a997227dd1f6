"""Demo KYC standing: the demo customers are verified (tier 2, low risk) so they can pay."""

from __future__ import annotations

from django.utils import timezone

from apps.kyc import services
from bankcore.users.models import User

DEMO_CUSTOMERS = ["alice@bankcore.localhost", "bob@bankcore.localhost"]


def seed() -> list[str]:
    now = timezone.now()
    services.tiers_defaults_ensure()
    for email in DEMO_CUSTOMERS:
        customer_id = User.objects.filter(email=email).values_list("pk", flat=True).first()
        if customer_id is not None:
            services.customer_tier_set(
                customer_id=customer_id, tier=2, risk_rating="low", now=now, reason="demo customer"
            )
    return [f"{'kyc':<14} {', '.join(DEMO_CUSTOMERS)}: tier 2 (verified, low risk)"]
