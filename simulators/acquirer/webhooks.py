"""Webhooks to the merchant, signed per Standard Webhooks with the ``standardwebhooks`` library.

``webhook-id`` (unique per message), ``webhook-timestamp`` (Unix seconds), ``webhook-signature``
(``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` under the secret). Delivery is one POST;
``DELIVER`` can be replaced (tests hand the request to the bank in-process).
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from standardwebhooks.webhooks import Webhook

log = logging.getLogger(__name__)

Deliver = Callable[[str, bytes, dict[str, str]], int]


def secret() -> str:
    return str(getattr(settings, "ACQUIRER_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))


def http_deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked at intent creation
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except OSError as error:
        log.warning("acquirer webhook delivery failed: %s", error)
        return 0


DELIVER: Deliver = http_deliver


def signed(*, event_type: str, data: dict[str, Any], at: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one signed message."""
    message_id = "msg_" + secrets.token_hex(12)
    moment = at or datetime.now(UTC)
    body = json.dumps(
        {"id": message_id, "type": event_type, "created_at": moment.isoformat(), "data": data}, separators=(",", ":")
    )
    signature = Webhook(secret()).sign(msg_id=message_id, timestamp=moment, data=body)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def send(*, url: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    body, headers = signed(event_type=event_type, data=data)
    status = DELIVER(url, body, headers)
    return {"id": headers["webhook-id"], "type": event_type, "delivered_status": status}
