"""The catalogue of docs/PARTNER_API.md names exactly the webhook event types the bank sends."""

from __future__ import annotations

import re

from django.conf import settings

from bankcore.api import webhooks


def _documented() -> set[str]:
    text = (settings.BASE_DIR / "docs" / "PARTNER_API.md").read_text()
    table = text.split("| Type | Sent when |", 1)[1].split("\n\n", 1)[0]
    rows = [row.split("|") for row in table.splitlines() if row.startswith("| `")]
    return {name for cells in rows for name in re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", cells[1])}


def test_every_event_type_sent_is_documented_and_none_other() -> None:
    # Other tests register types of their own ("test.…") in this process.
    sent = {name for name in webhooks.webhook_event_types() if not name.startswith("test.")}
    assert "payment.settled" in sent
    assert _documented() == sent
