"""Wallets' public webhook event types (``bankcore.api.webhooks``), registered in ``apps.ready``.

The partner is told the wallet's and the transfer's API ids, the amount and the status, as the
wallets API shows them. Who is told: only the partner acting for the wallet's holder (a consent
never opens wallets, ``partner_may_see`` with access ``wallets``); a transfer's sender side goes to
the sender's partner (again with its final status when a held transfer's review ends), its arrival
to the recipient's.
"""

from __future__ import annotations

from typing import Any

from apps.wallets import events
from bankcore.api.webhooks import WebhookSubject, webhook_event_type_register
from bankcore.money import Money


def _wallet(payload: dict[str, Any], data: dict[str, Any]) -> WebhookSubject:
    amount = Money(int(payload["amount_minor"]), str(payload["currency"]))
    return WebhookSubject(
        data={
            "wallet_id": str(payload["wallet_id"]),
            **data,
            "amount": amount.to_decimal_string(),
            "currency": amount.currency,
        },
        customer_id=int(payload["customer_id"]),
        account_id=None,
        access="wallets",
    )


def _topped_up(payload: dict[str, Any]) -> WebhookSubject:
    return _wallet(payload, {})


def _sent(payload: dict[str, Any]) -> WebhookSubject:
    return _wallet(payload, {"transfer_id": str(payload["transfer_id"]), "status": payload["status"]})


def _received(payload: dict[str, Any]) -> WebhookSubject:
    # The transfer is the sender's object (wallet-transfers/ shows it to the sender's partner only).
    return _wallet(payload, {})


def register() -> None:
    webhook_event_type_register(
        events.TOPPED_UP, description="A card top-up was captured into a wallet.", subject=_topped_up
    )
    webhook_event_type_register(
        events.TRANSFER_SENT,
        description="A wallet transfer was sent (completed, or held_for_review and later completed or rejected).",
        subject=_sent,
    )
    webhook_event_type_register(
        events.TRANSFER_RECEIVED,
        description="A wallet transfer's money arrived, from the recipient's side.",
        subject=_received,
    )
