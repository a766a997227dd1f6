"""Keeping verified customers verified: periodic reviews, and a sanctions hit after approval.

Periodic review: an approved customer's ``next_review_date`` is set by risk (high 1 year, medium
2, low 5). On that day ``reviews_due_process`` (a daily beat task) opens a review case in review
and tells the customer; ``KYC_REVIEW_GRACE_DAYS`` (30 by default) after it, a customer whose
review is still not approved is restricted (no money moves) until it is.

A later hit: the fraud app re-screens every kept party after a list update and opens an alert
(``fraud.alert.opened``, kind ``sanctions``) on a hit. For a customer KYC has approved, the
handler restricts them and opens (or adds the hit to) a case in review.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.fraud import interface as fraud
from apps.kyc import selectors
from apps.kyc.models import CaseReason, CustomerKyc, PartyKind
from apps.kyc.services.cases import case_reopen
from apps.kyc.services.limits import customer_restrict

OVERDUE_REASON = "periodic review overdue"


def _grace() -> timedelta:
    return timedelta(days=int(getattr(settings, "KYC_REVIEW_GRACE_DAYS", 30)))


def reviews_due_process(*, now: datetime) -> tuple[int, int]:
    """Open the review cases that are due and restrict overdue customers; returns (opened, restricted).

    Safe to run again: a customer with a case open gets no second one, a restricted one stays so.
    """
    today = selectors.bank_day(now=now)
    opened = restricted = 0
    for status in selectors.reviews_due(day=today):
        with transaction.atomic():
            if selectors.case_active(customer_id=status.customer_id) is None:
                case_reopen(
                    customer_id=status.customer_id,
                    reason_opened=CaseReason.PERIODIC_REVIEW,
                    why=f"periodic review due on {status.next_review_date}",
                    now=now,
                )
                opened += 1
            due = status.next_review_date
            if due is not None and due + _grace() < today and not status.restricted:
                customer_restrict(customer_id=status.customer_id, restricted=True, reason=OVERDUE_REASON, now=now)
                restricted += 1
    return opened, restricted


def _hits(customer_id: int, alert_id: int) -> list[dict[str, Any]]:
    """The hit as the case shows it: the customer's and owners' current matches on the lists."""
    party = selectors.party_get(customer_id=customer_id)
    if party is None:
        return [{"who": "customer", "name": "", "subject_id": None, "alert_id": alert_id, "matches": []}]
    business = party.kind == PartyKind.BUSINESS
    named = [("customer", party.company_name if business else party.legal_name, "entity" if business else "individual")]
    named += [(f"owner:{owner.pk}", owner.name, "individual") for owner in party.owners.all()]
    found = []
    for who, name, kind in named:
        matches = fraud.screen_name(name, kind=kind)
        if matches:
            found.append(
                {
                    "who": who,
                    "name": name,
                    "subject_id": None,
                    "alert_id": alert_id,
                    "matches": [asdict(m) for m in matches],
                }
            )
    return found or [{"who": "customer", "name": named[0][1], "subject_id": None, "alert_id": alert_id, "matches": []}]


def on_fraud_alert_opened(event_id: str, payload: dict[str, Any]) -> None:
    """Event handler (``fraud.alert.opened``): a sanctions hit on an approved customer restricts them.

    Idempotent: the relay runs it once per event, and a second alert on a restricted customer
    only adds its hit to the open case.
    """
    customer_id = payload.get("customer_id")
    if payload.get("kind") != "sanctions" or customer_id is None:
        return
    status = CustomerKyc.objects.filter(customer_id=customer_id).first()
    if status is None or status.approved_at is None:
        return  # not approved yet: the onboarding case shows its own screening
    now = timezone.now()
    alert_id = int(payload["alert_id"])
    with transaction.atomic():
        customer_restrict(
            customer_id=customer_id, restricted=True, reason=f"sanctions hit after approval (alert {alert_id})", now=now
        )
        case_reopen(
            customer_id=customer_id,
            reason_opened=CaseReason.SANCTIONS_HIT,
            why=f"possible sanctions match after approval (fraud alert {alert_id})",
            now=now,
            matches=_hits(customer_id, alert_id),
        )
