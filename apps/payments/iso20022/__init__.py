"""ISO 20022 clearing messages: what the bank writes and what it reads (DESIGN.md §5 "Clearing files").

Written: pacs.008.001.09 (credit transfers, instant ones marked ``LclInstrm/Cd = INST``) and
pacs.004.001.10 (returns the bank makes). Read: pacs.002.001.11 status reports, pacs.004.001.10
returns and incoming pacs.008.001.09. Every document written and every document read is
validated against the official schema in ``xsd/`` before anyone uses it, and the parser never
resolves entities or touches the network.
"""

from apps.payments.iso20022.messages import (
    PACS002,
    PACS004,
    PACS008,
    Agent,
    CreditTransfer,
    CreditTransferMessage,
    IsoError,
    Message,
    ReturnMessage,
    ReturnTransaction,
    StatusReport,
    TransactionStatus,
)
from apps.payments.iso20022.readers import read
from apps.payments.iso20022.schemas import validate
from apps.payments.iso20022.writers import write_credit_transfers, write_returns

__all__ = [
    "PACS002",
    "PACS004",
    "PACS008",
    "Agent",
    "CreditTransfer",
    "CreditTransferMessage",
    "IsoError",
    "Message",
    "ReturnMessage",
    "ReturnTransaction",
    "StatusReport",
    "TransactionStatus",
    "read",
    "validate",
    "write_credit_transfers",
    "write_returns",
]
