"""The bank's side of the card acquirer: a small HTTP client (the acquirer is another company).

``TRANSPORT`` makes one JSON POST and returns (status, body); tests replace it with one that
hands the request to the simulator in-process, the rest of the path unchanged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from apps.wallets import conf
from apps.wallets.errors import WalletRefused

log = logging.getLogger(__name__)

Transport = Callable[[str, dict[str, Any], dict[str, str]], tuple[int, dict[str, Any]]]


def http_transport(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - the configured acquirer URL
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError) as error:
        log.warning("acquirer unreachable: %s", error)
        return 0, {}


TRANSPORT: Transport = http_transport


def _call(path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = TRANSPORT(
        f"{conf.acquirer_base_url()}/{path}", body, {"Authorization": f"Bearer {conf.acquirer_api_key()}"}
    )
    if status != 200:
        log.warning("acquirer refused %s: %s %s", path, status, answer)
        raise WalletRefused("The card payment service is not available; try again later.", code="acquirer_unavailable")
    return answer


def intent_create(
    *, amount_minor: int, currency: str, reference: str, return_url: str, webhook_url: str
) -> tuple[str, str]:
    """Create a payment intent; returns its id and the acquirer page to send the customer to."""
    answer = _call(
        "api/intents/",
        {"amount_minor": amount_minor, "currency": currency, "reference": reference, "return_url": return_url,
         "webhook_url": webhook_url},
    )  # fmt: skip
    return str(answer["id"]), f"{conf.acquirer_base_url()}/{answer['pay_path']}"


def intent_capture(*, intent_id: str) -> None:
    """Ask for the authorised money; the outcome arrives by webhook (the answer is not trusted alone)."""
    _call(f"api/intents/{intent_id}/capture/", {})


def intent_cancel(*, intent_id: str) -> None:
    """Void an authorisation the bank will not capture (the cardholder is never charged)."""
    _call(f"api/intents/{intent_id}/cancel/", {})


def intent_refund(*, intent_id: str) -> None:
    """Give a captured payment back to the card, whole."""
    _call(f"api/intents/{intent_id}/refund/", {})
