"""What other apps (accounts, payments, wallets, reporting) may call in the kyc app (DESIGN.md §7).

Keyword-only functions returning frozen dataclasses, never models. Every money-moving flow calls
``limits_check`` before it starts and ``limits_record`` in the transaction that moves the money;
``limits_release`` when that money comes back (rejected, returned, cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from apps.kyc import events, selectors, services
from apps.kyc.errors import LimitExceeded, UsageRefReused
from apps.kyc.events import CASE_APPROVED, CASE_REJECTED, TIER_CHANGED
from apps.kyc.models import LimitKind, RiskRating
from bankcore.fx.errors import RateMissing, RateStale, RateUnavailable
from bankcore.money import Money

__all__ = [
    "CASE_APPROVED",
    "CASE_REJECTED",
    "TIER_CHANGED",
    "KycStatus",
    "LimitExceeded",
    "LimitKind",
    "RateMissing",
    "RateStale",
    "RateUnavailable",
    "RiskRating",
    "UsageRefReused",
    "customer_status",
    "events",
    "limits_check",
    "limits_record",
    "limits_release",
    "party_kind",
    "party_name",
]


@dataclass(frozen=True)
class KycStatus:
    customer_id: int
    tier: int  # 0 registered (no money movement), 1 basic, 2 verified
    restricted: bool  # overdue review or a later sanctions hit: no money moves
    risk_rating: str | None  # "low" | "medium" | "high"; None until rated
    approved_at: datetime | None
    next_review_date: date | None
    party_kind: str | None = None  # "person" | "business"; None until KYC knows the party


def customer_status(*, customer_id: int) -> KycStatus:
    """The customer's KYC standing; a customer KYC has never seen is tier 0, unrestricted."""
    row = selectors.status_get(customer_id=customer_id)
    if row is None:
        return KycStatus(customer_id, 0, False, None, None, None)
    return KycStatus(
        customer_id=customer_id,
        tier=row.tier.level,
        restricted=row.restricted,
        risk_rating=row.risk_rating or None,
        approved_at=row.approved_at,
        next_review_date=row.next_review_date,
        party_kind=getattr(row, "party_kind", None),  # annotated by status_get
    )


def limits_check(*, customer_id: int, kind: str, amount: Money, now: datetime) -> None:
    """Raise ``LimitExceeded`` if ``amount`` of ``kind`` (a ``LimitKind``) would break a limit now.

    Counted in EUR at the bank's reference rates; a stale or missing rate raises
    ``RateUnavailable`` (refuse the movement). For ``wallet_balance``, ``amount`` is what the
    customer would hold after the movement. Takes no lock: ``limits_record`` decides for good.
    """
    services.limits_check(customer_id=customer_id, kind=kind, amount=amount, now=now)


def limits_record(*, customer_id: int, kind: str, amount: Money, ref: str, now: datetime) -> None:
    """Count the movement ``ref`` (``payment:<id>``…) in the caller's transaction, once money has moved.

    Holds a row lock on the customer's usage until the caller commits, checks again under it and
    raises ``LimitExceeded`` if the movement no longer fits (the caller's transaction then rolls
    back). Idempotent on ``ref``.
    """
    services.limits_record(customer_id=customer_id, kind=kind, amount=amount, ref=ref, now=now)


def limits_check_many(
    *, customer_id: int, kind: str, items: list[tuple[str, Money]], now: datetime
) -> dict[str, Exception | None]:
    """``limits_check`` for many movements ``(ref, amount)`` of one customer, in order, each counted
    after those before it that fit; per ``ref`` None or the ``LimitExceeded`` / ``RateUnavailable``.
    One read, no lock."""
    return services.limits_check_many(customer_id=customer_id, kind=kind, items=items, now=now)


def limits_record_many(
    *, customer_id: int, kind: str, items: list[tuple[str, Money]], now: datetime
) -> dict[str, Exception | None]:
    """``limits_record`` for many movements of one customer under one lock (a bulk payout's chunk).

    Per ``ref`` None (counted, or counted already) or the refusal; a refused movement is not
    counted and does not stop the others: the caller undoes that one's money.
    """
    return services.limits_record_many(customer_id=customer_id, kind=kind, items=items, now=now)


def limits_release(*, customer_id: int, kind: str, ref: str, now: datetime) -> bool:
    """Give back what ``ref`` counted (rejected, returned or cancelled); True if anything was given back."""
    return services.limits_release(customer_id=customer_id, kind=kind, ref=ref, now=now)


def party_name(*, customer_id: int) -> str | None:
    """The name the customer banks under: a business's company name, a person's legal name; None
    until KYC knows the customer."""
    return selectors.party_name(customer_id=customer_id)


def party_kind(*, customer_id: int) -> str | None:
    """``"person"`` or ``"business"``; None until KYC knows the customer."""
    party = selectors.party_get(customer_id=customer_id)
    return str(party.kind) if party is not None else None
