"""Test helpers: compute the code an authenticator app would show for a device."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The device's code, ``steps_ahead`` 30-second steps from now (a used step cannot be reused)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
