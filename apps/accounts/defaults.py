"""The bank's starting products (amounts in minor units, rates as yearly fractions).

Plain data, read by the data migration and by ``products_defaults_ensure`` (which restores what
a flushed test database or a fresh install lacks, never overwriting an administrator's edit).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

RATES_FROM = date(2020, 1, 1)

PRODUCTS: list[dict[str, Any]] = [
    {
        "code": "current",
        "name": "Current account",
        "kind": "current",
        "currencies": ["EUR", "GBP", "USD", "HKD"],
        "overdraft_allowed": True,
        "max_accounts_per_customer": 3,
        "min_kyc_tier": 1,
        "monthly_fee_minor": 495,
        "fee_waiver_min_average_balance_minor": 100_000,
        "rate": {"debit": Decimal("0.1190"), "tiers": [(0, Decimal("0"))]},
    },
    {
        "code": "savings",
        "name": "Savings account",
        "kind": "savings",
        "currencies": ["EUR", "GBP", "USD", "HKD"],
        "overdraft_allowed": False,
        "max_accounts_per_customer": 2,
        "min_kyc_tier": 2,
        "monthly_fee_minor": 0,
        "fee_waiver_min_average_balance_minor": None,
        "rate": {
            "debit": Decimal("0"),
            "tiers": [(0, Decimal("0.0150")), (1_000_000, Decimal("0.0225")), (10_000_000, Decimal("0.0275"))],
        },
    },
    {
        "code": "business-current",
        "name": "Business current account",
        "kind": "business_current",
        "currencies": ["EUR", "GBP", "USD", "HKD"],
        "overdraft_allowed": True,
        "max_accounts_per_customer": 5,
        "min_kyc_tier": 2,
        "monthly_fee_minor": 1500,
        "fee_waiver_min_average_balance_minor": 2_500_000,
        "rate": {"debit": Decimal("0.0950"), "tiers": [(0, Decimal("0"))]},
    },
]


def ensure(product_model: Any, rate_model: Any, tier_model: Any) -> int:
    """Create the missing products (with their first rates); returns how many were created."""
    created = 0
    for spec in PRODUCTS:
        fields = {k: v for k, v in spec.items() if k not in ("code", "rate")}
        product, new = product_model.objects.get_or_create(code=spec["code"], defaults=fields)
        if not new:
            continue
        created += 1
        rate = rate_model.objects.create(
            product=product, effective_from=RATES_FROM, debit_annual_rate=spec["rate"]["debit"]
        )
        for from_minor, annual in spec["rate"]["tiers"]:
            tier_model.objects.create(rate=rate, from_balance_minor=from_minor, annual_rate=annual)
    return created
