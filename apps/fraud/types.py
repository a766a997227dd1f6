"""The frozen values that cross the fraud app's boundary (re-exported by ``apps.fraud.interface``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bankcore.money import Money


@dataclass(frozen=True)
class SanctionsMatch:
    """One listed entry that resembles the screened name."""

    source: str  # "ofac"
    source_id: int  # the list's own entry id (OFAC ent_num)
    listed_name: str  # the entry's primary name
    matched_name: str  # the name or alias that matched best
    alias_type: str  # "" when the primary name matched, else "aka" / "fka" / "nka"
    program: str
    sdn_type: str  # individual / vessel / aircraft / "" (entity)
    score: float  # 0..1
    why: str  # which tokens paired, how close, and what the secondary identifiers said


@dataclass(frozen=True)
class ScreeningOutcome:
    subject_id: int
    matches: tuple[SanctionsMatch, ...]
    alert_id: int | None  # set when a hit opened (or joined) an alert


@dataclass(frozen=True)
class ProposedTransaction:
    """What monitoring needs to know about a payment or transfer before money moves.

    The caller (payments, wallets) fills in what only it knows: the fraud app imports no other app.
    """

    reference: str  # unique per transaction, e.g. "payment:42"; deciding twice returns the first decision
    customer_id: int
    amount: Money
    counterparty_key: str = ""  # IBAN, wallet id...: the velocity key of the other party
    counterparty_name: str = ""
    counterparty_country: str = ""  # ISO 3166 alpha-2
    channel: str = "payment"  # payment / wallet / card
    direction: str = "out"  # out / in
    occurred_at: datetime | None = None  # defaults to the decision's `now`
    account_opened_at: datetime | None = None
    beneficiary_created_at: datetime | None = None
    kyc_tier: str = ""
    risk_rating: str = ""  # low / medium / high
    customer_kind: str = ""  # person / business, as KYC knows the payer
    # True when the money has moved already (post-event monitoring of a posted ledger entry): a
    # finding opens an alert for the analysts but holds nothing, and the transaction counts in
    # the velocity aggregates whatever the outcome.
    posted: bool = False


@dataclass(frozen=True)
class FiredRule:
    code: str
    version: int
    score: int  # this rule's contribution to the total
    description: str


@dataclass(frozen=True)
class FailedRule:
    """A live rule that raised instead of answering: the decision is at least a review."""

    code: str
    version: int
    error: str  # the exception's type and message


@dataclass(frozen=True)
class Decision:
    """allow / review (hold the payment) / block, with the score and each rule's part in it."""

    transaction_id: int
    outcome: str
    score: int
    fired: tuple[FiredRule, ...]
    alert_id: int | None = None
    failed: tuple[FailedRule, ...] = ()

    def explain(self) -> str:
        """The reasons in plain words, for an analyst or a customer-support agent."""
        if not self.fired:
            text = f"{self.outcome}: no rule fired (score 0)"
        else:
            parts = "; ".join(f"{r.description} (+{r.score})" for r in self.fired)
            text = f"{self.outcome}: score {self.score}: {parts}"
        failed = "".join(f"; rule {r.code} v{r.version} could not be evaluated" for r in self.failed)
        return text + failed


@dataclass(frozen=True)
class ImportReport:
    source: str
    version: str
    list_date: str
    entries: int
    added: int
    changed: int
    removed: int
    already_current: bool
    reinstated: bool = False  # files in force before another list, put back in force
