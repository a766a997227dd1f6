"""The code a customer types to approve one transfer: a challenge over exactly what will be sent.

The send page, paying a request and paying a QR code all approve the same thing (the source
wallet, the payee as shown, the amount), so they confirm it here, once.
"""

from __future__ import annotations

from datetime import datetime

from apps.wallets.errors import WalletRefused
from apps.wallets.models import Wallet
from apps.wallets.services import sca_gate
from apps.wallets.services.transfers import sca_details
from bankcore.money import Money


def transfer_challenge(*, customer_id: int, address: str, amount: Money, otp_token: str, now: datetime) -> int | None:
    """The approved challenge for sending ``amount`` to ``address`` from the customer's wallet; None without a code."""
    if not otp_token:
        return None
    source = Wallet.objects.filter(customer_id=customer_id, currency=amount.currency).first()
    if source is None:
        raise WalletRefused(f"You have no {amount.currency} wallet to pay from.", code="no_wallet")
    details = sca_details(source_wallet_id=source.pk, address=address, amount=amount)
    return sca_gate.challenge_confirm(customer_id=customer_id, details=details, otp_token=otp_token, now=now)
