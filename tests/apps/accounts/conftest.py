"""Accounts fixtures: the default KYC tiers and products (restored after a transactional flush)."""

from __future__ import annotations

import pytest

from apps.accounts.services import products
from apps.kyc import services as kyc_services


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
