"""wallets: interface (DESIGN.md §7). The only module other apps import.

Keyword-only functions returning ids or frozen dataclasses, never models; it re-exports the
event names of ``apps.wallets.events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.wallets import selectors
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.events import ALL, TOPPED_UP, TRANSFER_RECEIVED, TRANSFER_SENT
from apps.wallets.services import sandbox, transfers, wallets
from apps.wallets.services.transfers import TransferResult
from bankcore.money import Money

__all__ = [
    "ALL",
    "TOPPED_UP",
    "TRANSFER_RECEIVED",
    "TRANSFER_SENT",
    "TransferResult",
    "WalletNotFound",
    "WalletRef",
    "WalletRefused",
    "p2p_send",
    "sandbox_wallets_ensure",
    "wallet_for_customer",
]


@dataclass(frozen=True)
class WalletRef:
    id: int
    currency: str
    status: str  # active | frozen | recovery
    ledger_account_id: int


def wallet_for_customer(*, customer_id: int, currency: str, now: datetime | None = None) -> WalletRef:
    """The customer's wallet in ``currency`` (EUR, GBP, USD, HKD), opened if there is none."""
    from django.utils import timezone

    wallet = wallets.wallet_open(customer_id=customer_id, currency=currency, now=now or timezone.now())
    return WalletRef(
        id=wallet.pk, currency=wallet.currency, status=wallet.status, ledger_account_id=wallet.ledger_account_id
    )


def p2p_send(
    *,
    customer_id: int,
    source_wallet_id: int,
    address: str,
    amount: Money,
    note: str,
    idempotency_key: str,
    now: datetime,
    challenge_id: int | None = None,
    recipient_wallet_id: int | None = None,
) -> TransferResult:
    """Send wallet money to another customer by e-mail or phone (see ``services.transfers.p2p_send``).

    Raises ``WalletRefused`` (with ``code``) and moves nothing when it cannot be done.
    """
    return transfers.p2p_send(
        customer_id=customer_id, source_wallet_id=source_wallet_id, address=address, amount=amount, note=note,
        idempotency_key=idempotency_key, now=now, challenge_id=challenge_id, recipient_wallet_id=recipient_wallet_id,
    )  # fmt: skip


def sandbox_wallets_ensure(*, customer_id: int, now: datetime) -> list[dict[str, str]]:
    """The sandbox partner's wallets as the API names them (``{"id", "currency"}``), EUR funded.

    For ``sandbox_partner`` (registered with the payments app, which cannot import this one):
    the customer's EUR wallet is opened if missing and topped up to a sandbox balance (see
    ``services.sandbox``). Raises ``WalletRefused`` outside the sandbox.
    """
    sandbox.wallet_sandbox_fund(customer_id=customer_id, now=now)
    return [{"id": str(w.id), "currency": w.currency} for w in selectors.wallets_of_customer(customer_id=customer_id)]
