"""Payments fixtures: KYC tiers and products, and every payment's payee checked over real HTTP
against the clearing simulator (``vop`` in tests/conftest.py)."""

from __future__ import annotations

import pytest

from apps.accounts.services import products
from apps.kyc import services as kyc_services


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()


@pytest.fixture(autouse=True)
def vop_over_http(vop: str) -> str:
    return vop
