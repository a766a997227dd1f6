"""The kernel's own webhook event types: a consent's changes and an endpoint disabled, each to its own partner."""

from __future__ import annotations

from typing import Any

from bankcore.api.webhooks import WebhookSubject, webhook_event_type_register

CONSENT_EVENTS = {
    "consent.approved": "The customer approved a consent with SCA; it is valid.",
    "consent.rejected": "The customer refused a consent.",
    "consent.revoked": "The customer revoked a consent (revokedByPsu).",
    "consent.terminated": "The partner terminated its consent (terminatedByTpp).",
    "consent.expired": "A consent expired: its last day passed, or it was not approved in time.",
    "consent.used": "A single-payment consent was spent on its payment (its status is now expired).",
}


def _consent(payload: dict[str, Any]) -> WebhookSubject:
    return WebhookSubject(
        application_id=payload["application_id"],
        data={"consent_id": payload["public_id"], "kind": payload["kind"], "status": payload["status"]},
    )


def _endpoint_disabled(payload: dict[str, Any]) -> WebhookSubject:
    # Told on the partner's other endpoints that still work; the disabled one gets nothing.
    return WebhookSubject(
        application_id=payload["application_id"],
        data={"endpoint_id": payload["public_id"], "reason": payload["reason"]},
    )


def register() -> None:
    for name, description in CONSENT_EVENTS.items():
        webhook_event_type_register(name, description=description, subject=_consent)
    webhook_event_type_register(
        "webhook_endpoint.disabled",
        description="One of the partner's webhook endpoints was disabled (410 Gone, or failing for days).",
        subject=_endpoint_disabled,
    )
