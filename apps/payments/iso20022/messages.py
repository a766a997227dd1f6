"""The messages as plain values: what a writer takes and a reader gives back.

Amounts are integer minor units with their ISO 4217 code, as everywhere in the bank; the
decimal text of the wire exists only inside the writers and readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bankcore.errors import DomainError

PACS008 = "pacs.008.001.09"
PACS002 = "pacs.002.001.11"
PACS004 = "pacs.004.001.10"
NAMESPACES = {name: f"urn:iso:std:iso:20022:tech:xsd:{name}" for name in (PACS008, PACS002, PACS004)}


class IsoError(DomainError):
    """The document cannot be taken: ``code`` says why (not_xml, unknown_message, schema_invalid, invalid)."""

    code = "iso_invalid"


@dataclass(frozen=True)
class Agent:
    """A party with its account: name, IBAN and the BIC of its bank (None when not known)."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True)
class CreditTransfer:
    """One transaction of a pacs.008."""

    tx_id: str
    end_to_end_id: str
    amount_minor: int
    currency: str
    debtor: Agent
    creditor: Agent
    reference: str = ""
    instr_id: str | None = None


@dataclass(frozen=True)
class CreditTransferMessage:
    msg_id: str
    created_at: datetime
    settlement_date: date
    instant: bool
    transactions: tuple[CreditTransfer, ...]
    instructing_bic: str | None = None
    kind: str = PACS008


@dataclass(frozen=True)
class TransactionStatus:
    """One transaction's status in a pacs.002, named by the original message and transaction."""

    orig_msg_id: str
    orig_tx_id: str
    orig_end_to_end_id: str | None
    status: str  # ACSC, ACCP, ACSP, ACTC, PDNG, RJCT …
    reason_code: str | None = None
    status_id: str | None = None


@dataclass(frozen=True)
class GroupStatus:
    orig_msg_id: str
    orig_msg_name: str
    status: str | None
    reason_code: str | None = None


@dataclass(frozen=True)
class StatusReport:
    msg_id: str
    created_at: datetime
    groups: tuple[GroupStatus, ...]
    transactions: tuple[TransactionStatus, ...]
    kind: str = PACS002


@dataclass(frozen=True)
class ReturnTransaction:
    """One returned transaction of a pacs.004: what it returns, how much, and why."""

    return_id: str
    orig_msg_id: str
    orig_msg_name: str
    orig_tx_id: str
    orig_end_to_end_id: str | None
    amount_minor: int
    currency: str
    reason_code: str
    orig_amount_minor: int | None = None
    debtor: Agent | None = None  # of the original transfer
    creditor: Agent | None = None


@dataclass(frozen=True)
class ReturnMessage:
    msg_id: str
    created_at: datetime
    settlement_date: date
    transactions: tuple[ReturnTransaction, ...]
    kind: str = PACS004


Message = CreditTransferMessage | StatusReport | ReturnMessage

__all__ = [
    "NAMESPACES",
    "PACS002",
    "PACS004",
    "PACS008",
    "Agent",
    "CreditTransfer",
    "CreditTransferMessage",
    "GroupStatus",
    "IsoError",
    "Message",
    "ReturnMessage",
    "ReturnTransaction",
    "StatusReport",
    "TransactionStatus",
]
