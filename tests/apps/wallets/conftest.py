"""Wallet fixtures: KYC tiers, fraud rules on, reference rates, the acquirer's records in a temporary folder."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.fraud.services import rules
from apps.kyc import services as kyc_services
from apps.wallets.services import acquirer_client
from bankcore.fx import services as fx
from simulators.acquirer import webhooks
from tests.apps.wallets.acquirer import Wire


@pytest.fixture(autouse=True)
def _wallet_world(db: None, settings: Any, tmp_path: Path, now: datetime) -> None:
    kyc_services.tiers_defaults_ensure()
    rules.rules_defaults_ensure(now=now - timedelta(days=30))
    settings.ACQUIRER_DIR = str(tmp_path / "acquirer")
    settings.BANK_BASE_URL = "http://testserver"
    settings.ACQUIRER_BASE_URL = "http://testserver/sim/acquirer"


@pytest.fixture
def rates(now: datetime) -> None:
    rows = [
        fx.RateRow(base="EUR", quote="USD", mid=Decimal("1.1594"), as_of=now - timedelta(hours=2)),
        fx.RateRow(base="EUR", quote="GBP", mid=Decimal("0.87490"), as_of=now - timedelta(hours=2)),
        fx.RateRow(base="EUR", quote="HKD", mid=Decimal("9.0221"), as_of=now - timedelta(hours=2)),
    ]
    fx.rates_load(rows=rows, source="test", now=now)


@pytest.fixture
def live_rates() -> None:
    """Reference rates stamped an hour before the wall clock (for pages, which use the real time)."""
    from django.utils import timezone

    at = timezone.now() - timedelta(hours=1)
    rows = [
        fx.RateRow(base="EUR", quote="USD", mid=Decimal("1.1594"), as_of=at),
        fx.RateRow(base="EUR", quote="GBP", mid=Decimal("0.87490"), as_of=at),
    ]
    fx.rates_load(rows=rows, source="test", now=at)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    connection = Wire()
    monkeypatch.setattr(acquirer_client, "TRANSPORT", connection.bank_to_acquirer)
    monkeypatch.setattr(webhooks, "DELIVER", connection.acquirer_to_bank)
    return connection
