"""Reactions to other contexts' events: the fraud case is the only authority over a held transfer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.wallets.services import reviews, withdrawals


def on_case_released(event_id: str, payload: dict[str, Any]) -> None:
    reviews.transfer_release(reference=str(payload.get("payment_ref") or ""), now=timezone.now())


def on_case_rejected(event_id: str, payload: dict[str, Any]) -> None:
    reviews.transfer_reject(reference=str(payload.get("payment_ref") or ""), now=timezone.now())


def on_payment_failed(event_id: str, payload: dict[str, Any]) -> None:
    """A withdrawal's payment rejected, returned or cancelled: the money comes back to the wallet."""
    payment_id = payload.get("payment_id")
    if isinstance(payment_id, int):
        withdrawals.withdrawal_refund(payment_id=payment_id, now=timezone.now())
