"""The bank and the acquirer simulator wired to each other in-process, through their URLs.

Each side keeps its own HTTP door: the bank's calls reach the simulator's API views, the
simulator's webhooks reach the bank's webhook view, through Django's test client instead of a
socket.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

HOST = "http://testserver"


def _path(url: str) -> str:
    assert url.startswith(HOST), url
    return url[len(HOST) :]


class Wire:
    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str], int]] = []

    def bank_to_acquirer(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        response = Client().post(_path(url), data=json.dumps(body), content_type="application/json", headers=headers)
        return response.status_code, json.loads(response.content or b"{}")

    def acquirer_to_bank(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        sent = {k: v for k, v in headers.items() if k != "content-type"}
        response = Client().post(_path(url), data=body, content_type="application/json", headers=sent)
        self.deliveries.append((body, headers, response.status_code))
        return response.status_code
