"""What the acquirer does with an intent: card entry, 3-D Secure, authorisation, capture, chargeback.

States: ``requires_card`` → (``requires_3ds``) → ``authorised`` | ``declined``; ``authorised`` →
``captured`` | ``capture_failed`` | ``cancelled`` (the merchant voids it: the card is never
charged); ``captured`` → ``charged_back`` | ``refunded`` (the merchant gives it back). Every change is announced to
the merchant's ``webhook_url`` with a Standard Webhooks signature (``webhooks.send``).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from simulators.acquirer import cards, store, webhooks


class Refused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def api_key() -> str:
    return str(getattr(settings, "ACQUIRER_API_KEY", "sk_test_bankcore_acquirer"))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def intent_create(
    *, amount_minor: int, currency: str, reference: str, return_url: str, webhook_url: str
) -> dict[str, Any]:
    if type(amount_minor) is not int or amount_minor <= 0:
        raise Refused("amount_minor is a positive integer")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise Refused("currency is an ISO 4217 code")
    for url in (return_url, webhook_url):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Refused("return_url and webhook_url are absolute http(s) URLs")
    intent = {
        "id": store.new_id("pi"), "amount_minor": amount_minor, "currency": currency.upper(),
        "reference": str(reference)[:100], "return_url": return_url, "webhook_url": webhook_url,
        "status": "requires_card", "card": None, "outcome": None, "created_at": _now(), "events": [],
    }  # fmt: skip
    store.write(intent)
    return intent


def _card_public(number: str) -> dict[str, str]:
    # The token stands for the card at this acquirer only; the merchant never sees the number.
    token = "tok_" + hashlib.sha256(f"{number}:{api_key()}".encode()).hexdigest()[:24]
    return {"token": token, "brand": cards.brand_of(number), "last4": number[-4:]}


_local = threading.local()


def _queue() -> list[tuple[str, str, dict[str, Any]]]:
    if not hasattr(_local, "pending"):
        _local.pending = []
    return _local.pending  # type: ignore[no-any-return]


def _event(intent: dict[str, Any], kind: str, **extra: Any) -> None:
    """Queue a webhook; it is sent once the intent is written and unlocked (the merchant may call back)."""
    data = {
        "intent_id": intent["id"], "reference": intent["reference"], "amount_minor": intent["amount_minor"],
        "currency": intent["currency"], "status": intent["status"], "card": intent["card"], **extra,
    }  # fmt: skip
    intent["events"].append(kind)
    _queue().append((intent["webhook_url"], kind, data))


def _flush() -> None:
    pending = _queue()
    while pending:
        url, kind, data = pending.pop(0)
        webhooks.send(url=url, event_type=kind, data=data)


def _sending(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result = func(*args, **kwargs)
        except BaseException:
            _queue().clear()
            raise
        _flush()
        return result

    return wrapper


@_sending
def card_submit(*, intent_id: str, number: str, expiry: str, cvc: str) -> dict[str, Any]:
    """The customer typed a card on the acquirer's page: authorise, or ask for 3-D Secure first."""
    number = "".join(number.split())
    card = cards.card_for(number)
    if card is None:
        raise Refused("That card number is not valid.")
    if len(cvc.strip()) not in (3, 4) or not cvc.strip().isdigit():
        raise Refused("The security code is 3 or 4 digits.")
    if len(expiry.strip()) != 5 or expiry.strip()[2] != "/":
        raise Refused("Write the expiry as MM/YY.")
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] != "requires_card":
            raise Refused("This payment was already completed.", 409)
        intent["card"] = _card_public(number)
        intent["outcome"] = card.outcome
        if card.three_ds:
            intent["status"] = "requires_3ds"
            return intent
        _authorise(intent)
        return intent


@_sending
def three_ds_complete(*, intent_id: str, code: str) -> dict[str, Any]:
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] != "requires_3ds":
            raise Refused("No authentication is waiting for this payment.", 409)
        if code.strip() != cards.THREE_DS_CODE:
            intent["status"] = "declined"
            _event(intent, "payment_intent.declined", reason="3ds_failed")
            return intent
        _authorise(intent)
        return intent


def _authorise(intent: dict[str, Any]) -> None:
    if intent["outcome"] == "decline":
        intent["status"] = "declined"
        _event(intent, "payment_intent.declined", reason="do_not_honour")
    else:
        intent["status"] = "authorised"
        _event(intent, "payment_intent.authorised")


@_sending
def capture(*, intent_id: str) -> dict[str, Any]:
    """The merchant asks for the authorised money; the answer arrives as a webhook too."""
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] in ("captured", "capture_failed", "charged_back"):
            return intent  # asked twice: the first answer stands
        if intent["status"] != "authorised":
            raise Refused(f"A payment that is {intent['status']} cannot be captured.", 409)
        if intent["outcome"] == "capture_fails":
            intent["status"] = "capture_failed"
            _event(intent, "payment_intent.capture_failed", reason="issuer_unavailable")
        else:
            intent["status"] = "captured"
            _event(intent, "payment_intent.captured")
        return intent


@_sending
def chargeback(*, intent_id: str, reason: str = "fraudulent") -> dict[str, Any]:
    """The cardholder disputed a captured payment and the issuer took the money back."""
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] == "charged_back":
            return intent
        if intent["status"] != "captured":
            raise Refused("Only a captured payment can be charged back.", 409)
        intent["status"] = "charged_back"
        _event(intent, "payment_intent.chargeback", reason=reason)
        return intent


@_sending
def cancel(*, intent_id: str) -> dict[str, Any]:
    """The merchant voids an authorisation it will not capture: the cardholder is never charged."""
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] == "cancelled":
            return intent
        if intent["status"] != "authorised":
            raise Refused(f"A payment that is {intent['status']} cannot be cancelled.", 409)
        intent["status"] = "cancelled"
        _event(intent, "payment_intent.cancelled")
        return intent


@_sending
def refund(*, intent_id: str) -> dict[str, Any]:
    """The merchant gives a captured payment back to the card, whole."""
    with store.locked(intent_id) as intent:
        if intent is None:
            raise Refused("No such payment.", 404)
        if intent["status"] == "refunded":
            return intent
        if intent["status"] != "captured":
            raise Refused(f"A payment that is {intent['status']} cannot be refunded.", 409)
        intent["status"] = "refunded"
        _event(intent, "payment_intent.refunded")
        return intent


def tick() -> int:
    """Raise the chargebacks the chargeback test card promises, for captured payments; returns how many."""
    raised = 0
    for intent in store.all_intents():
        if intent["status"] == "captured" and intent["outcome"] == "chargeback":
            chargeback(intent_id=intent["id"])
            raised += 1
    return raised
