"""Events the wallets context publishes (``bankcore.events.publish``): names and payload shapes.

Payloads carry ids and plain values only.
"""

from __future__ import annotations

# {"topup_id": int, "wallet_id": int, "customer_id": int, "amount_minor": int, "currency": str}
TOPPED_UP = "wallet.topped_up"

# {"transfer_id": int, "wallet_id": int, "customer_id": int, "amount_minor": int, "currency": str,
#  "status": "completed" | "held_for_review" | "rejected"}
TRANSFER_SENT = "wallet.transfer.sent"

# Same payload, from the recipient's side (its wallet and customer); only once money has arrived.
TRANSFER_RECEIVED = "wallet.transfer.received"

ALL = (TOPPED_UP, TRANSFER_SENT, TRANSFER_RECEIVED)
