"""Events the kyc app publishes (``bankcore.events.publish``): names and payload shapes.

Payloads carry IDs and plain values only.
"""

from __future__ import annotations

# {"customer_id": int, "from_tier": int, "to_tier": int, "risk_rating": "low" | "medium" | "high" | ""}
TIER_CHANGED = "kyc.tier.changed"

# {"customer_id": int, "case_id": int, "tier": int}: published by the review cases (next round).
CASE_APPROVED = "kyc.case.approved"

# {"customer_id": int, "case_id": int}
CASE_REJECTED = "kyc.case.rejected"

ALL = (TIER_CHANGED, CASE_APPROVED, CASE_REJECTED)
