"""The wallets' settings with their documented defaults (override in config/settings or the environment)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings


def fx_spread_bps() -> int:
    """The bank's margin on each side of the reference mid, in basis points (50 = 0.50 %)."""
    return int(getattr(settings, "WALLETS_FX_SPREAD_BPS", 50))


QUOTE_TTL = timedelta(seconds=30)
REQUEST_TTL_DEFAULT = timedelta(days=7)
QR_TTL_DEFAULT = timedelta(minutes=15)


def qr_key() -> bytes:
    """The HMAC key of QR payloads: WALLETS_QR_KEY, else one derived from SECRET_KEY (never SECRET_KEY itself)."""
    key = getattr(settings, "WALLETS_QR_KEY", "")
    if key:
        return str(key).encode()
    return hashlib.sha256(b"bankcore.wallets.qr\x00" + settings.SECRET_KEY.encode()).digest()


def phone_code_key() -> bytes:
    """The HMAC key of stored phone codes: derived from SECRET_KEY (never SECRET_KEY itself)."""
    return hashlib.sha256(b"bankcore.wallets.phone-code\x00" + settings.SECRET_KEY.encode()).digest()


def acquirer_base_url() -> str:
    return str(getattr(settings, "ACQUIRER_BASE_URL", "http://127.0.0.1:8000/sim/acquirer")).rstrip("/")


def acquirer_api_key() -> str:
    return str(getattr(settings, "ACQUIRER_API_KEY", "sk_test_bankcore_acquirer"))


def acquirer_webhook_secret() -> str:
    # A Standard Webhooks secret: "whsec_" + base64 of at least 24 random bytes.
    return str(getattr(settings, "ACQUIRER_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))


def bank_base_url() -> str:
    """Where the acquirer reaches the bank (webhooks) and sends the customer back."""
    return str(getattr(settings, "BANK_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
