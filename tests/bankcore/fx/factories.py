from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from bankcore.fx.models import Rate


class RateFactory(DjangoModelFactory[Rate]):
    class Meta:
        model = Rate

    base = "EUR"
    quote = "USD"
    mid = Decimal("1.1594")
    as_of = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    source = "test"
    loaded_at = factory.SelfAttribute("as_of")
