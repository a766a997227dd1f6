"""KYC fixtures: the default tiers and limits (restored if a transactional test flushed them)."""

from __future__ import annotations

import pytest

from apps.kyc import services


@pytest.fixture(autouse=True)
def tiers(db: None) -> None:
    services.tiers_defaults_ensure()
