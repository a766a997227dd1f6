"""payments: models, one module per subdomain (DESIGN.md §2).

Settlement's models live in ``settlement.py`` (owned with the clearing files); each submodule is
imported here so Django finds every model of the app.
"""

from apps.payments.models.beneficiaries import Beneficiary
from apps.payments.models.payments import (
    CANCELLABLE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    Payment,
    PaymentChannel,
    PaymentEvent,
    PaymentKind,
    PaymentStatus,
    VopResult,
)
from apps.payments.models.standing_orders import StandingOrder, StandingOrderFrequency, StandingOrderStatus

__all__ = [
    "CANCELLABLE_STATUSES",
    "FINAL_STATUSES",
    "TRANSITIONS",
    "Beneficiary",
    "Payment",
    "PaymentChannel",
    "PaymentEvent",
    "PaymentKind",
    "PaymentStatus",
    "StandingOrder",
    "StandingOrderFrequency",
    "StandingOrderStatus",
    "VopResult",
]
