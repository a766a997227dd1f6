"""payments: models, one module per subdomain (DESIGN.md §2).

Settlement's models live in ``settlement.py`` (owned with the clearing files); each submodule is
imported here so Django finds every model of the app.
"""

from apps.payments.models.batches import (
    BATCH_FINAL_STATUSES,
    LINE_DONE_STATUSES,
    BatchFormat,
    BatchStatus,
    LineStatus,
    PaymentBatch,
    PaymentBatchLine,
)
from apps.payments.models.beneficiaries import Beneficiary
from apps.payments.models.payments import (
    CANCELLABLE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    HeldPayment,
    Payment,
    PaymentChannel,
    PaymentEvent,
    PaymentKind,
    PaymentStatus,
    VopResult,
)
from apps.payments.models.settlement import *  # noqa: F403  (settlement's models: see its __all__)
from apps.payments.models.standing_orders import StandingOrder, StandingOrderFrequency, StandingOrderStatus

__all__ = [
    "BATCH_FINAL_STATUSES",
    "CANCELLABLE_STATUSES",
    "FINAL_STATUSES",
    "LINE_DONE_STATUSES",
    "TRANSITIONS",
    "BatchFormat",
    "BatchStatus",
    "Beneficiary",
    "HeldPayment",
    "LineStatus",
    "Payment",
    "PaymentBatch",
    "PaymentBatchLine",
    "PaymentChannel",
    "PaymentEvent",
    "PaymentKind",
    "PaymentStatus",
    "StandingOrder",
    "StandingOrderFrequency",
    "StandingOrderStatus",
    "VopResult",
]
