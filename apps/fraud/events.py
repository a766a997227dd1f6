"""Events the fraud app publishes (``bankcore.events.publish``): names and payload shapes.

Payloads carry IDs and plain values only. Holding and releasing a payment is the payments app's
job: it subscribes to these events (the fraud app imports no other app).
"""

from __future__ import annotations

# {"alert_id": int, "kind": "sanctions" | "transaction", "customer_id": int | None,
#  "payment_ref": str | None, "hold": bool}
# hold=True: the payment `payment_ref` must not move until fraud.case.released / rejected.
ALERT_OPENED = "fraud.alert.opened"

# {"alert_id": int, "payment_ref": str, "customer_id": int | None, "by_id": int | None}
# The analyst cleared the held payment: execute it.
CASE_RELEASED = "fraud.case.released"

# Same payload as CASE_RELEASED. The analyst refused the held payment: cancel it and return funds.
CASE_REJECTED = "fraud.case.rejected"

# {"alert_id": int, "customer_id": int | None}: handed to compliance; the payment stays held.
ALERT_ESCALATED = "fraud.alert.escalated"

# {"alert_id": int, "outcome": "confirmed_fraud" | "false_positive", "customer_id": int | None}
ALERT_CLOSED = "fraud.alert.closed"

# {"source": "ofac", "version": str}: a list import changed entries; customers, beneficiaries and other parties
# are re-screened (the fraud app's own handler starts the job).
SANCTIONS_LIST_UPDATED = "fraud.sanctions.list_updated"

ALL = (ALERT_OPENED, CASE_RELEASED, CASE_REJECTED, ALERT_ESCALATED, ALERT_CLOSED, SANCTIONS_LIST_UPDATED)
