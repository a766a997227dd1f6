"""Strong customer authentication for wallet payments, through ``bankcore.sca``.

Either the customer approved exactly this transfer with a code (the challenge is used inside the
transfer's transaction), or an exemption applies and is recorded on the transfer: low value
(PSD2 RTS art. 16: up to 30 EUR each, until 100 EUR or five in a row since the last SCA), counted
per payer by the kernel across payments and wallets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.wallets.errors import WalletRefused
from bankcore.money import Money
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

ACTION = "wallet_transfer"
WITHDRAWAL_ACTION = "wallet_withdrawal"


def challenge_use(
    *, customer_id: int, challenge_id: int, details: dict[str, Any], now: datetime, action: str = ACTION
) -> None:
    """Use the customer's approved challenge for exactly ``details`` (in the caller's transaction)."""
    try:
        sca.challenge_consume(
            challenge_id=challenge_id, user_id=customer_id,
            payload_hash=sca_read.details_hash(action=action, details=details), now=now,
        )  # fmt: skip
    except sca.ChallengeRefused as refused:
        raise WalletRefused(str(refused), code=refused.code) from None


def exemption_choose(*, customer_id: int, amount: Money, now: datetime, secure_corporate: bool = False) -> str:
    """The exemption this payment may use (nothing is counted yet), or ``sca_required``."""
    found = sca.sca_exemption_evaluate(payer_id=customer_id, amount=amount, now=now, secure_corporate=secure_corporate)
    if found is None:
        raise WalletRefused("Approve this payment with a code from your authenticator app.", code="sca_required")
    return found.exemption


def exemption_apply(*, customer_id: int, exemption: str, amount: Money, ref: str, now: datetime) -> None:
    """Count the payment ``ref`` under ``exemption`` in the caller's transaction (decided again under a lock)."""
    try:
        sca.sca_exemption_apply(payer_id=customer_id, exemption=exemption, amount=amount, ref=ref, now=now)
    except sca.ExemptionRefused as refused:
        raise WalletRefused(
            "Approve this payment with a code from your authenticator app.", code="sca_required"
        ) from refused


def exemption_available(*, customer_id: int, amount: Money, now: datetime) -> bool:
    """Whether a payment of ``amount`` could go without a code now (nothing is counted)."""
    return sca.sca_exemption_evaluate(payer_id=customer_id, amount=amount, now=now) is not None


def challenge_confirm(
    *, customer_id: int, details: dict[str, Any], otp_token: str, now: datetime, action: str = ACTION
) -> int:
    """Create and approve a challenge over ``details`` with the customer's code (commits on its own)."""
    try:
        return sca.challenge_confirm(user_id=customer_id, action=action, details=details, otp_token=otp_token, now=now)
    except sca.ChallengeRefused as refused:
        raise WalletRefused(str(refused), code=refused.code) from None
