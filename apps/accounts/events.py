"""Events the accounts app publishes (``bankcore.events.publish``): names and payload shapes.

Payloads carry IDs and plain values only.
"""

from __future__ import annotations

# {"account_id": int, "customer_id": int, "iban": str, "currency": str, "product_code": str}
ACCOUNT_OPENED = "account.opened"

# {"account_id": int, "customer_id": int, "from_status": str, "to_status": str, "reason": str}
ACCOUNT_STATUS_CHANGED = "account.status.changed"

# {"account_id": int, "customer_id": int, "statement_id": int}: published by statements.
ACCOUNT_STATEMENT_READY = "account.statement.ready"

ALL = (ACCOUNT_OPENED, ACCOUNT_STATUS_CHANGED, ACCOUNT_STATEMENT_READY)
