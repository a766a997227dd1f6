"""Events the accounts app publishes (``bankcore.events.publish``): names and payload shapes.

Payloads carry IDs and plain values only.
"""

from __future__ import annotations

# {"account_id": int, "customer_id": int, "iban": str, "currency": str, "product_code": str}
ACCOUNT_OPENED = "account.opened"

# {"account_id": int, "customer_id": int, "from_status": str, "to_status": str, "reason": str}
ACCOUNT_STATUS_CHANGED = "account.status.changed"

# {"account_id": int, "customer_id": int, "statement_id": int, "from_date": "YYYY-MM-DD",
#  "to_date": "YYYY-MM-DD", "format": "pdf" | "camt053"}: published by statements when a job's file
# is stored, in the transaction that marks it ready (portal requests and the monthly run alike).
ACCOUNT_STATEMENT_READY = "account.statement.ready"

ALL = (ACCOUNT_OPENED, ACCOUNT_STATUS_CHANGED, ACCOUNT_STATEMENT_READY)
