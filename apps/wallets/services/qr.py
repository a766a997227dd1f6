"""Receive by QR: a signed payload naming the payee's wallet, an optional amount and an expiry.

Text form: ``bankcore-pay:<base64url JSON>.<base64url HMAC-SHA256>`` with the key
``WALLETS_QR_KEY``. Paying checks the signature (constant time) before reading anything, then
the expiry; a tampered or expired code is refused with a clear message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno

from apps.wallets import conf
from apps.wallets.errors import WalletRefused
from apps.wallets.models import Wallet
from apps.wallets.services import transfers
from apps.wallets.services.transfers import TransferResult
from bankcore.money import Money

PREFIX = "bankcore-pay:"


@dataclass(frozen=True)
class QrPayload:
    wallet_id: int
    currency: str
    amount: Money | None
    expires_at: datetime
    payee_name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(body: str) -> str:
    return _b64(hmac.new(conf.qr_key(), body.encode(), hashlib.sha256).digest())


def qr_make(
    *, customer_id: int, currency: str, amount: Money | None, now: datetime, expires_in: timedelta | None = None
) -> str:
    """The signed payload for paying the customer's ``currency`` wallet (opened if needed)."""
    from apps.wallets.services.wallets import wallet_open

    if amount is not None and (amount.currency != currency or amount.minor <= 0):
        raise WalletRefused(f"The amount is a positive number of {currency}.", code="invalid_amount")
    wallet = wallet_open(customer_id=customer_id, currency=currency, now=now)
    expires = now + (expires_in or conf.QR_TTL_DEFAULT)
    fields = {
        "v": 1,
        "w": wallet.pk,
        "c": currency,
        "a": amount.minor if amount else None,
        "e": int(expires.timestamp()),
    }
    body = _b64(json.dumps(fields, separators=(",", ":"), sort_keys=True).encode())
    return f"{PREFIX}{body}.{_sign(body)}"


def qr_svg_data_uri(*, text: str) -> str:
    """The payload drawn as an SVG QR code, as a data: URI an <img> shows under a strict CSP."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def qr_read(*, text: str, now: datetime) -> QrPayload:
    """The payload of a QR text, or ``qr_invalid`` (not ours or tampered) / ``qr_expired``."""
    invalid = WalletRefused("This QR code is not a valid bankcore payment code.", code="qr_invalid")
    text = (text or "").strip()
    if not text.startswith(PREFIX) or text.count(".") != 1:
        raise invalid
    body, signature = text[len(PREFIX) :].split(".")
    if not hmac.compare_digest(_sign(body), signature):
        raise invalid
    try:
        fields = json.loads(_unb64(body))
        wallet_id, currency, amount_minor, expiry = int(fields["w"]), str(fields["c"]), fields["a"], int(fields["e"])
    except (ValueError, KeyError, TypeError):
        raise invalid from None
    expires_at = datetime.fromtimestamp(expiry, tz=UTC)
    if now >= expires_at:
        raise WalletRefused("This QR code has expired; ask for a new one.", code="qr_expired")
    wallet = Wallet.objects.filter(pk=wallet_id, currency=currency).select_related("customer").first()
    if wallet is None:
        raise invalid
    amount = Money(int(amount_minor), currency) if amount_minor is not None else None
    return QrPayload(wallet.pk, currency, amount, expires_at, wallet.customer.get_full_name())


def qr_pay(
    *, customer_id: int, text: str, amount: Money | None, idempotency_key: str, now: datetime,
    challenge_id: int | None = None, note: str = "",
) -> TransferResult:  # fmt: skip
    """Pay what a QR code asks (its amount, or ``amount`` when it names none) from the customer's wallet."""
    payload = qr_read(text=text, now=now)
    pay = payload.amount or amount
    if pay is None or pay.currency != payload.currency:
        raise WalletRefused(f"Enter the amount in {payload.currency}.", code="invalid_amount")
    source = Wallet.objects.filter(customer_id=customer_id, currency=payload.currency).first()
    if source is None:
        # A refusal the payer can act on, not a "not found": the code is valid, their wallet is missing.
        raise WalletRefused(f"You have no {payload.currency} wallet to pay from; top one up first.", code="no_wallet")
    return transfers.p2p_send(
        customer_id=customer_id, source_wallet_id=source.pk, address=f"wallet:{payload.wallet_id}", amount=pay,
        note=note, idempotency_key=idempotency_key, now=now, challenge_id=challenge_id,
        recipient_wallet_id=payload.wallet_id,
    )  # fmt: skip
