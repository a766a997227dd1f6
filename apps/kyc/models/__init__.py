"""KYC data, one module per subdomain; everything is importable from ``apps.kyc.models``.

- ``limits``: tiers and their limits, each customer's standing, limit usage.
- ``party``: who the customer is (the party) and a business's beneficial owners.
- ``cases``: review cases, their audited transitions, and staff access to sensitive data.
- ``documents`` (added by the documents work): uploaded evidence.
"""

from apps.kyc.models.cases import CaseReason, CaseState, CaseTransition, KycCase, ScreeningOutcome, SensitiveAccess
from apps.kyc.models.documents import Document, DocumentKind
from apps.kyc.models.limits import (
    OUTFLOW_KINDS,
    STOCK_KINDS,
    CustomerKyc,
    Limit,
    LimitKind,
    RiskRating,
    Tier,
    UsageBucket,
    UsageRecord,
)
from apps.kyc.models.party import BeneficialOwner, Party, PartyKind

__all__ = [
    "OUTFLOW_KINDS",
    "STOCK_KINDS",
    "BeneficialOwner",
    "CaseReason",
    "CaseState",
    "CaseTransition",
    "CustomerKyc",
    "Document",
    "DocumentKind",
    "KycCase",
    "Limit",
    "LimitKind",
    "Party",
    "PartyKind",
    "RiskRating",
    "ScreeningOutcome",
    "SensitiveAccess",
    "Tier",
    "UsageBucket",
    "UsageRecord",
]
