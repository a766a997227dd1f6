"""What other apps (kyc, payments, wallets, reporting) may call in the fraud app.

Keyword-only functions returning IDs or frozen dataclasses, never models. The fraud app is the
lowest app layer and imports no other app: callers describe the party or the transaction, and
react to the events listed in ``apps.fraud.events`` (hold / release / reject a payment).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.fraud import matching, tasks
from apps.fraud.errors import FraudRefused, ScreeningInputInvalid
from apps.fraud.events import (  # subscribers take the event names from the door, like everything else
    ALERT_CLOSED,
    ALERT_ESCALATED,
    ALERT_OPENED,
    CASE_REJECTED,
    CASE_RELEASED,
    SANCTIONS_LIST_UPDATED,
)
from apps.fraud.models import Alert, ScreenedSubject
from apps.fraud.ofac import imo_parse
from apps.fraud.selectors import sanctions as lists
from apps.fraud.services import alerts, decisions, ledger_monitoring, screening
from apps.fraud.types import (
    Decision,
    FailedRule,
    FiredRule,
    ImportReport,
    ProposedTransaction,
    SanctionsMatch,
    ScreeningOutcome,
)
from bankcore.text import name_for_screening

__all__ = [
    "ALERT_CLOSED",
    "ALERT_ESCALATED",
    "ALERT_OPENED",
    "CASE_REJECTED",
    "CASE_RELEASED",
    "SANCTIONS_LIST_UPDATED",
    "Decision",
    "FailedRule",
    "FiredRule",
    "FraudRefused",
    "ImportReport",
    "ProposedTransaction",
    "SanctionsMatch",
    "ScreeningInputInvalid",
    "ScreeningOutcome",
    "alert_open",
    "beneficiary_screen",
    "counterparties_screen",
    "counterparty_screen",
    "customer_screen",
    "ledger_account_monitor",
    "ledger_entry_monitor",
    "name_similarity",
    "party_screen",
    "sanctions_list_version",
    "screen_name",
    "subject_screen_now",
    "transaction_decide",
    "transactions_decide",
]


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1 and symmetric (see ``apps.fraud.matching``)."""
    return matching.name_similarity(a, b)


def screen_name(
    name: str,
    *,
    kind: str | None = None,
    birth_year: int | None = None,
    country: str | None = None,
    imo: str | None = None,
) -> list[SanctionsMatch]:
    """Listed entries matching ``name`` above SANCTIONS_MATCH_THRESHOLD, best first.

    ``kind``: "individual" (or "person"), "entity" (or "organisation"), "vessel" or "aircraft" to
    keep only those; ``birth_year`` and ``country`` (ISO alpha-2 or a name) lower the score of
    entries they contradict. ``imo``: a vessel's IMO number ("IMO 9187629" or the seven digits);
    a listed vessel with that number is a hit whatever its name. Refused:
    ``ScreeningInputInvalid`` for an IMO number that is not one. Nothing is recorded.
    """
    number = None
    if imo is not None:
        number = imo_parse(imo)
        if number is None:
            raise ScreeningInputInvalid(
                f"{imo!r} is not an IMO number: seven digits, the last a check digit.", code="imo_invalid", field="imo"
            )
    return lists.sanctions_screen(
        name=name_for_screening(name), kind=kind, birth_year=birth_year, country=country, imo=number
    )


def _screen_later(subject_id: int, payment_ref: str = "") -> None:
    transaction.on_commit(lambda: tasks.subject_screen.delay(subject_id=subject_id, payment_ref=payment_ref))


def customer_screen(
    *,
    customer_id: int,
    name: str,
    now: datetime,
    kind: str = "individual",
    birth_year: int | None = None,
    country: str = "",
) -> int:
    """Keep a customer screened (KYC onboarding); screens now on the ``screening`` queue.

    Returns the subject id. The customer is re-screened after every list change. A hit opens an
    alert (``fraud.alert.opened``).
    """
    subject_id = screening.subject_register(
        kind=ScreenedSubject.Kind.CUSTOMER,
        ref=str(customer_id),
        customer_id=customer_id,
        # Screened and stored in the form a reader sees: an analyst is shown what was matched.
        name=name_for_screening(name),
        party_kind=kind,
        birth_year=birth_year,
        country=country,
        now=now,
    )
    _screen_later(subject_id)
    return subject_id


def beneficiary_screen(
    *, beneficiary_id: int, customer_id: int, name: str, now: datetime, kind: str = "", country: str = ""
) -> int:
    """Keep a new beneficiary screened (re-screened after list changes); returns the subject id."""
    subject_id = screening.subject_register(
        kind=ScreenedSubject.Kind.BENEFICIARY,
        ref=str(beneficiary_id),
        customer_id=customer_id,
        # Screened and stored in the form a reader sees: an analyst is shown what was matched.
        name=name_for_screening(name),
        party_kind=kind,
        country=country,
        now=now,
    )
    _screen_later(subject_id)
    return subject_id


def counterparty_screen(
    *, payment_ref: str, customer_id: int, name: str, now: datetime, kind: str = "", country: str = ""
) -> int:
    """Screen the counterparty of an external payment; a hit opens an alert that holds the payment.

    The alert's ``fraud.alert.opened`` event carries ``payment_ref`` and ``hold: true``; the case's
    outcome later publishes ``fraud.case.released`` or ``fraud.case.rejected``.
    """
    subject_id = screening.subject_register(
        kind=ScreenedSubject.Kind.COUNTERPARTY,
        ref=payment_ref,
        customer_id=customer_id,
        # Screened and stored in the form a reader sees: an analyst is shown what was matched.
        name=name_for_screening(name),
        party_kind=kind,
        country=country,
        now=now,
    )
    _screen_later(subject_id, payment_ref=payment_ref)
    return subject_id


def counterparties_screen(
    *, customer_id: int, parties: list[tuple[str, str, str]], now: datetime
) -> dict[str, ScreeningOutcome]:
    """``counterparty_screen`` and ``subject_screen_now`` for many payments of one customer at once.

    ``parties`` are ``(payment_ref, name, country)``; each distinct name is screened once and every
    payment gets its own subject and, on a hit, its own alert that holds it. Per ``payment_ref``
    the outcome.
    """
    named = [(ref, name_for_screening(name), country) for ref, name, country in parties]
    return screening.counterparties_screen(customer_id=customer_id, parties=named, now=now)


def party_screen(
    *,
    ref: str,
    name: str,
    now: datetime,
    customer_id: int | None = None,
    kind: str = "",
    birth_year: int | None = None,
    country: str = "",
) -> int:
    """Keep another party screened, e.g. a business customer's beneficial owner; returns the subject id.

    ``ref`` is the caller's own id for the party, prefixed by its context (``kyc-owner:<id>``);
    calling again with the same ``ref`` updates the party. ``customer_id`` is the customer the
    party belongs to, so a hit's alert names that customer. Screens now on the ``screening``
    queue and again after every list change; a hit opens an alert (``fraud.alert.opened``).
    """
    subject_id = screening.subject_register(
        kind=ScreenedSubject.Kind.PARTY,
        ref=ref,
        customer_id=customer_id,
        name=name_for_screening(name),
        party_kind=kind,
        birth_year=birth_year,
        country=country,
        now=now,
    )
    _screen_later(subject_id)
    return subject_id


def subject_screen_now(*, subject_id: int, now: datetime, payment_ref: str = "") -> ScreeningOutcome:
    """Screen a registered party synchronously (when the caller cannot wait for the queue)."""
    return screening.subject_screen(subject_id=subject_id, payment_ref=payment_ref, now=now)


def transaction_decide(*, txn: ProposedTransaction, now: datetime) -> Decision:
    """Score ``txn`` before money moves: allow / review (hold) / block, with the rules that fired."""
    return decisions.transaction_decide(txn=txn, now=now)


def transactions_decide(*, txns: Sequence[ProposedTransaction], now: datetime) -> list[Decision | FraudRefused]:
    """``transaction_decide`` of each of ``txns`` in order, in a few statements whatever their number.

    The same decisions, alerts and velocity aggregates as deciding them one by one: each one's
    features count those before it. Per transaction its decision, or the ``FraudRefused`` the
    single call would have raised; anything else raised undoes all of them.
    """
    return decisions.transactions_decide(txns=txns, now=now)


def ledger_entry_monitor(
    *,
    entry_id: int,
    account_id: int,
    customer_id: int,
    now: datetime,
    counterparty_country: str = "",
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> Decision:
    """Score the money ledger account ``account_id`` (the customer's) paid out in posted entry ``entry_id``.

    Post-event monitoring: the decision is stored and explained like any other, feeds the velocity
    aggregates, and a finding opens an alert that holds nothing (the money has moved). Refused with
    ``not_outgoing`` when the entry took no money out of the account. Idempotent per entry.
    """
    return ledger_monitoring.ledger_entry_monitor(
        entry_id=entry_id,
        account_id=account_id,
        customer_id=customer_id,
        now=now,
        counterparty_country=counterparty_country,
        account_opened_at=account_opened_at,
        kyc_tier=kyc_tier,
        risk_rating=risk_rating,
    )


def ledger_account_monitor(
    *, account_id: int, customer_id: int, now: datetime, kyc_tier: str = "", risk_rating: str = ""
) -> list[Decision]:
    """Monitor every payment out of ``account_id`` posted since the last sweep, oldest first."""
    return ledger_monitoring.ledger_account_monitor(
        account_id=account_id, customer_id=customer_id, now=now, kyc_tier=kyc_tier, risk_rating=risk_rating
    )


def alert_open(
    *,
    summary: str,
    score: float,
    now: datetime,
    dedupe_key: str,
    customer_id: int | None = None,
    payment_ref: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Open a case for the fraud analysts from another app (e.g. KYC); returns the alert id.

    With ``payment_ref`` the payment is held until the case releases or rejects it. The same
    ``dedupe_key`` never opens a second open alert.
    """
    return alerts.alert_open(
        kind=Alert.Kind.TRANSACTION,
        summary=summary,
        score=score,
        details=details or {},
        dedupe_key=dedupe_key,
        now=now,
        customer_id=customer_id,
        payment_ref=payment_ref,
    )


def sanctions_list_version() -> str:
    """The version of the sanctions list in force ("" before the first import)."""
    return lists.sanctions_version_current()
