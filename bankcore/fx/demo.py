"""Demo reference rates for the currencies the demo bank holds (EUR base, stamped now)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bankcore.fx import selectors, services

# Demo values, with as many decimals as the ECB's reference rates carry.
DEMO_MIDS = {"USD": Decimal("1.1594"), "GBP": Decimal("0.87490"), "HKD": Decimal("9.0221")}


def seed() -> list[str]:
    """Stamp the demo rates afresh once the last ones are a day old (within a day: no change)."""
    now = timezone.now()
    rows = []
    for quote, mid in DEMO_MIDS.items():
        history = selectors.rate_history(base="EUR", quote=quote, limit=1)
        if not history or now - history[0].as_of >= timedelta(days=1):
            rows.append(services.RateRow(base="EUR", quote=quote, mid=mid, as_of=now))
    if rows:
        services.rates_load(rows=rows, source="demo", now=now)
    return [f"{'fx rates':<14} EUR/USD {DEMO_MIDS['USD']}, EUR/GBP {DEMO_MIDS['GBP']}, EUR/HKD {DEMO_MIDS['HKD']}"]
