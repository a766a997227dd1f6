"""Payers with a second factor, and the reference rates their foreign amounts are counted at."""

from __future__ import annotations

from tests.bankcore.fx.factories import RateFactory
from tests.bankcore.users.factories import TOTPDeviceFactory, UserFactory

__all__ = ["PayerFactory", "RateFactory", "TOTPDeviceFactory"]


class PayerFactory(UserFactory):
    """A customer who pays; give them a device with ``TOTPDeviceFactory(user=payer)`` for SCA."""
