"""Alerts and cases: opening an alert, the analyst's assignment, notes, outcome and the held payment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.fraud import events as fraud_events
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, AlertNote
from bankcore.bulk import row_insert
from bankcore.events import publish


def alert_open(
    *,
    kind: str,
    summary: str,
    score: float,
    details: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    customer_id: int | None = None,
    subject_id: int | None = None,
    transaction_id: int | None = None,
    payment_ref: str = "",
    new_finding: bool = False,
) -> int:
    """Open an alert (or return the open one for the same finding); holds ``payment_ref`` if given.

    Publishes ``fraud.alert.opened``; with a payment it says ``hold: true`` and payments holds it.
    ``new_finding``: the caller has just created what the alert is about (a decision row), so no
    alert of it can exist and the look-up is skipped (the payment path saves a statement).

    The partial unique index on open alerts' ``dedupe_key`` is the real guard: when an open alert
    for the same finding exists (opened earlier or by a concurrent worker) the insert does nothing
    and that alert is returned. Three statements (alert, its history row, the event), no savepoint.
    """
    dedupe_key = dedupe_key[:200]
    if not new_finding:
        existing = Alert.objects.filter(dedupe_key=dedupe_key).exclude(status=Alert.Status.CLOSED).first()
        if existing is not None:
            return existing.pk
    values = {
        "kind": kind,
        "summary": summary[:300],
        "score": score,
        "details": details,
        "dedupe_key": dedupe_key,
        "opened_at": now,
        "customer_id": customer_id,
        "subject_id": subject_id,
        "transaction_id": transaction_id,
        "payment_ref": payment_ref,
        "hold": Alert.Hold.HELD if payment_ref else Alert.Hold.NONE,
    }
    alert_id = row_insert(Alert, values, skip_conflicts=True)
    if alert_id is None:
        return Alert.objects.filter(dedupe_key=dedupe_key).exclude(status=Alert.Status.CLOSED).get().pk
    # The audit trail starts with the alert as it was opened, by the system (no user).
    Alert.history.bulk_history_create([Alert(pk=alert_id, **values)], default_date=timezone.now())
    publish(
        fraud_events.ALERT_OPENED,
        {
            "alert_id": alert_id,
            "kind": kind,
            "customer_id": customer_id,
            "payment_ref": payment_ref or None,
            "hold": bool(payment_ref),
        },
    )
    return alert_id


def _alert_lock(alert_id: int) -> Alert:
    try:
        return Alert.objects.select_for_update().get(pk=alert_id)
    except Alert.DoesNotExist:
        raise FraudRefused("No such alert.", code="alert_not_found") from None


@transaction.atomic
def alert_assign(*, alert_id: int, assignee_id: int | None, now: datetime) -> None:
    """Give the case to an analyst (None puts it back in the queue)."""
    alert = _alert_lock(alert_id)
    if alert.status == Alert.Status.CLOSED:
        raise FraudRefused("The case is closed.", code="alert_closed")
    alert.assignee_id = assignee_id
    if assignee_id is not None and alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.IN_REVIEW
    alert.save(update_fields=["assignee", "status"])


@transaction.atomic
def alert_note_add(*, alert_id: int, author_id: int | None, body: str, now: datetime) -> int:
    """Add an analyst's note to the case (notes are a record: never edited); returns the note id."""
    if not body.strip():
        raise FraudRefused("A note cannot be empty.", code="note_empty")
    _alert_lock(alert_id)
    return AlertNote.objects.create(alert_id=alert_id, author_id=author_id, body=body.strip(), created_at=now).pk


@transaction.atomic
def alert_close(*, alert_id: int, outcome: str, closed_by_id: int | None, now: datetime, note: str = "") -> None:
    """Record the outcome. "escalated" keeps the case open for compliance; the others close it.

    A payment still held is released on a false positive and rejected on confirmed fraud.
    """
    alert = _alert_lock(alert_id)
    if outcome not in (Alert.Outcome.CONFIRMED_FRAUD, Alert.Outcome.FALSE_POSITIVE, Alert.Outcome.ESCALATED):
        raise FraudRefused(f"unknown outcome {outcome!r}", code="unknown_outcome")
    if alert.status == Alert.Status.CLOSED:
        raise FraudRefused("The case is already closed.", code="alert_closed")
    if note.strip():
        AlertNote.objects.create(alert=alert, author_id=closed_by_id, body=note.strip(), created_at=now)
    alert.outcome = outcome
    if outcome == Alert.Outcome.ESCALATED:
        alert.status = Alert.Status.ESCALATED
        alert.save(update_fields=["outcome", "status"])
        publish(fraud_events.ALERT_ESCALATED, {"alert_id": alert.pk, "customer_id": alert.customer_id})
        return
    if alert.hold == Alert.Hold.HELD:
        _settle_hold(alert, release=outcome == Alert.Outcome.FALSE_POSITIVE, by_id=closed_by_id)
    alert.status = Alert.Status.CLOSED
    alert.closed_at = now
    alert.save(update_fields=["outcome", "status", "closed_at", "hold"])
    publish(fraud_events.ALERT_CLOSED, {"alert_id": alert.pk, "outcome": outcome, "customer_id": alert.customer_id})


def _settle_hold(alert: Alert, *, release: bool, by_id: int | None) -> None:
    alert.hold = Alert.Hold.RELEASED if release else Alert.Hold.REJECTED
    publish(
        fraud_events.CASE_RELEASED if release else fraud_events.CASE_REJECTED,
        {"alert_id": alert.pk, "payment_ref": alert.payment_ref, "customer_id": alert.customer_id, "by_id": by_id},
    )


@transaction.atomic
def alert_payment_decide(*, alert_id: int, release: bool, by_id: int | None, now: datetime) -> None:
    """Release or reject the payment the alert holds (payments acts on the published event)."""
    alert = _alert_lock(alert_id)
    if alert.hold != Alert.Hold.HELD:
        raise FraudRefused("This case holds no payment.", code="nothing_held")
    _settle_hold(alert, release=release, by_id=by_id)
    alert.save(update_fields=["hold"])
    verb = "released" if release else "rejected"
    AlertNote.objects.create(alert=alert, author_id=by_id, body=f"Payment {alert.payment_ref} {verb}.", created_at=now)
