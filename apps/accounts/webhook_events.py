"""Accounts' public webhook event types (``bankcore.api.webhooks``), registered in ``apps.ready``.

The partner is told the account's API id (``acc_…``) and the fields the accounts API shows; the
staff's reason for a status change stays inside. A ready statement is named by its own opaque id
(``stmt_…``), period and format: the partner API serves no statement files (the holder downloads
them in the portal), so the event carries no link and never the file's name or the holder's id.

Who is told: the partners that may see the account (``partner_may_see``, access ``accounts``):
the one acting for its holder, or one holding the holder's valid consent that names it.
"""

from __future__ import annotations

from typing import Any

from apps.accounts import events, selectors, wire
from bankcore.api.webhooks import WebhookSubject, webhook_event_type_register


def _account(payload: dict[str, Any], data: dict[str, Any]) -> WebhookSubject:
    return WebhookSubject(
        data={"account_id": wire.account_wire_id(int(payload["account_id"])), **data},
        customer_id=int(payload["customer_id"]),
        account_id=int(payload["account_id"]),
        access="accounts",
    )


def _opened(payload: dict[str, Any]) -> WebhookSubject:
    return _account(payload, {"iban": payload["iban"], "currency": payload["currency"]})


def _status_changed(payload: dict[str, Any]) -> WebhookSubject:
    return _account(payload, {"status": payload["to_status"], "previous_status": payload["from_status"]})


def _statement_ready(payload: dict[str, Any]) -> WebhookSubject:
    job_id = int(payload["statement_id"])
    period: dict[str, Any] = {key: payload[key] for key in ("from_date", "to_date", "format") if key in payload}
    if len(period) < 3:
        # An event written before the period was part of the payload: the job still knows it.
        period = selectors.statement_period(job_id=job_id)
    return _account(payload, {"statement_id": wire.statement_wire_id(job_id), **period})


def register() -> None:
    webhook_event_type_register(
        events.ACCOUNT_OPENED, description="An account was opened for the customer.", subject=_opened
    )
    webhook_event_type_register(
        events.ACCOUNT_STATUS_CHANGED,
        description="An account's status changed (debit_blocked, blocked, open, closed), from previous_status.",
        subject=_status_changed,
    )
    webhook_event_type_register(
        events.ACCOUNT_STATEMENT_READY,
        description="A statement of the account (pdf or camt053, from_date to to_date) is ready for its holder.",
        subject=_statement_ready,
    )
