"""Request and response examples of the partner API, by operationId (added by ``bankcore.api.schema``).

Kept beside the schema hook rather than in each view so every context's examples read alike.
"""

from __future__ import annotations

from typing import Any

_PAYMENT: dict[str, Any] = {
    "source_account": "acc_1042",
    "amount": "1250.00",
    "currency": "EUR",
    "creditor": {"name": "Max Mustermann", "iban": "DE89370400440532013000"},
    "reference": "Invoice 2026-118",
}

_PAYMENT_OUT: dict[str, Any] = {
    **_PAYMENT,
    "source_account": "1042",
    "creditor": {"name": "Max Mustermann", "iban": "DE89370400440532013000", "bic": ""},
    "id": "BKCTX7Q2M4N8P1",
    "end_to_end_id": "E2E-7Q2M4N8P1",
    "instant": False,
    "execution_date": "2026-11-02",
    "consent_id": None,
    "status": "accepted",
    "reason_code": None,
    "tx_id": "BKCTX7Q2M4N8P1",
    "created_at": "2026-11-02T09:30:00Z",
    "verification_of_payee": {"result": "MTCH", "matched_name": None},
}

_CONSENT: dict[str, Any] = {
    "access": {"accounts": ["DE02120300000000202051"], "balances": True, "transactions": True},
    "valid_until": "2027-02-01",
    "frequency_per_day": 4,
    "recurring": True,
}

_CONSENT_OUT: dict[str, Any] = {
    "id": "0b6f2f6e-5c1d-4b8e-9a63-2f7c1d2e9a10",
    "kind": "account_access",
    "status": "received",
    "access": {"accounts": ["acc_2001"], "balances": True, "transactions": True},
    "payment": None,
    "valid_until": "2027-02-01",
    "frequency_per_day": 4,
    "recurring": True,
    "created_at": "2026-11-02T09:30:00Z",
    "status_changed_at": "2026-11-02T09:30:00Z",
    "approval_url": "https://bank.example/app/consents/0b6f2f6e-5c1d-4b8e-9a63-2f7c1d2e9a10/",
}

_ENDPOINT: dict[str, Any] = {
    "url": "https://partner.example/hooks/bankcore",
    "event_types": ["consent.approved", "consent.revoked"],
    "description": "Production listener",
}

_TRANSFER: dict[str, Any] = {
    "source_wallet": "311",
    "recipient": {"email": "bob@example.com"},
    "amount": "25.00",
    "currency": "EUR",
    "note": "Lunch",
}

_SCREENING: dict[str, Any] = {"name": "Ayman al Zawahiri", "kind": "person", "birth_year": 1951}

_SCREENING_OUT: dict[str, Any] = {
    "hits": [
        {
            "list": "ofac",
            "entry_id": "2676",
            "name": "AL-ZAWAHIRI, Dr. Ayman",
            "score": "1.00",
            "why": "primary name 'AL-ZAWAHIRI, Dr. Ayman': ayman, al, zawahiri; birth year 1951 agrees",
        }
    ],
    "threshold": "0.84",
    "screened_at": "2026-11-02T09:30:00Z",
}

_ACCOUNT_OUT: dict[str, Any] = {
    "id": "acc_2001",
    "iban": "DE02120300000000202051",
    "bic": "BKCODEFFXXX",
    "currency": "EUR",
    "name": "Household",
    "product": "current",
    "status": "open",
    "holder_name": "Alice Example",
    "opened_at": "2026-01-05T09:00:00Z",
    "closed_at": None,
}

_TRANSACTION_OUT: dict[str, Any] = {
    "id": "txn_88231",
    "booked_at": "2026-11-02T09:30:04Z",
    "value_date": "2026-11-02",
    "amount": "-1250.00",
    "currency": "EUR",
    "counterparty": {"name": "Max Mustermann", "iban": "DE89370400440532013000"},
    "reference": "Invoice 2026-118",
    "balance_after": "3481.17",
}

_TRANSFER_OUT: dict[str, Any] = {
    **_TRANSFER,
    "id": "5120",
    "status": "completed",
    "sca_exemption": "secure_corporate",
    "created_at": "2026-11-02T09:30:00+00:00",
}

_WALLET_OUT: dict[str, Any] = {
    "id": "311",
    "currency": "EUR",
    "status": "active",
    "balance": {"amount": "480.00", "currency": "EUR"},
    "available": {"amount": "455.00", "currency": "EUR"},
}

_ENDPOINT_OUT: dict[str, Any] = {
    **_ENDPOINT,
    "id": "5d0f7c3a-9b1e-4c2d-8f6a-1e2b3c4d5e6f",
    "status": "enabled",
    "disabled_reason": "",
    "created_at": "2026-11-02T09:30:00Z",
}

_ENDPOINT_CREATED: dict[str, Any] = {**_ENDPOINT_OUT, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}

_DELIVERY_OUT: dict[str, Any] = {
    "id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
    "event_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "event_type": "consent.approved",
    "status": "delivered",
    "attempts": 2,
    "last_status_code": 200,
    "last_error": "",
    "next_attempt_at": None,
    "created_at": "2026-11-02T09:30:00Z",
    "delivered_at": "2026-11-02T09:31:05Z",
    "log": [
        {"at": "2026-11-02T09:30:01Z", "status_code": 503, "duration_ms": 212, "error": "HTTP 503"},
        {"at": "2026-11-02T09:31:05Z", "status_code": 200, "duration_ms": 87, "error": ""},
    ],
}


_BATCH_OUT: dict[str, Any] = {
    "id": "7",
    "status": "completed_with_errors",
    "reason": None,
    "source_account": "acc_42",
    "format": "csv",
    "verification_of_payee": "checked",
    "counts": {"lines": 2, "valid": 1, "done": 1, "paid": 1, "failed": 1},
    "total": {"valid": "120.50", "paid": "120.50"},
    "currency": "EUR",
    "created_at": "2026-11-02T10:30:00Z",
    "completed_at": "2026-11-02T10:30:02Z",
}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {"results": [item], "next": None}


# operationId → (request body example, {status: response example})
EXAMPLES: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {
    "v1_payments_create": (_PAYMENT, {"201": _PAYMENT_OUT}),
    "v1_payments_retrieve": (None, {"200": _PAYMENT_OUT}),
    "v1_payments_list": (None, {"200": {"results": [_PAYMENT_OUT], "next": None}}),
    "v1_payments_cancel": (None, {"200": {**_PAYMENT_OUT, "status": "cancelled"}}),
    "v1_consents_create": (_CONSENT, {"201": _CONSENT_OUT}),
    "v1_consents_retrieve": (None, {"200": _CONSENT_OUT}),
    "v1_consents_list": (None, {"200": _page({**_CONSENT_OUT, "status": "valid"})}),
    "v1_webhook_endpoints_create": (_ENDPOINT, {"201": _ENDPOINT_CREATED}),
    "v1_webhook_endpoints_retrieve": (None, {"200": _ENDPOINT_OUT}),
    "v1_webhook_endpoints_list": (None, {"200": _page(_ENDPOINT_OUT)}),
    "v1_webhook_endpoints_partial_update": (
        {"event_types": ["consent.approved", "payment.settled"]},
        {"200": {**_ENDPOINT_OUT, "event_types": ["consent.approved", "payment.settled"]}},
    ),
    "v1_webhook_endpoints_rotate_secret": (None, {"200": _ENDPOINT_CREATED}),
    "v1_webhook_endpoints_deliveries_list": (None, {"200": _page(_DELIVERY_OUT)}),
    "v1_wallet_transfers_create": (_TRANSFER, {"201": _TRANSFER_OUT}),
    "v1_wallet_transfers_retrieve": (None, {"200": _TRANSFER_OUT}),
    "v1_wallet_transfers_list": (None, {"200": _page(_TRANSFER_OUT)}),
    "v1_wallets_retrieve": (None, {"200": _WALLET_OUT}),
    "v1_wallets_list": (None, {"200": _page(_WALLET_OUT)}),
    "v1_accounts_retrieve": (None, {"200": _ACCOUNT_OUT}),
    "v1_accounts_list": (None, {"200": _page(_ACCOUNT_OUT)}),
    "v1_accounts_transactions_list": (None, {"200": _page(_TRANSACTION_OUT)}),
    "v1_payment_batches_list": (None, {"200": _page(_BATCH_OUT)}),
    "v1_me_retrieve": (
        None,
        {
            "200": {
                "partner": "Acme Payouts",
                "client_id": "8mXj2yQ0ZcT7bVw1nK4pLr9s",
                "scopes": ["accounts:read", "payments:read", "payments:write"],
                "expires_at": "2026-11-02T10:30:00Z",
            }
        },
    ),
    "v1_screening_names_screen": (_SCREENING, {"200": _SCREENING_OUT}),
    "v1_accounts_balances_retrieve": (
        None,
        {
            "200": {
                "booked": {"amount": "12.50", "currency": "EUR"},
                "available": {"amount": "2.50", "currency": "EUR"},
                "overdraft_limit": {"amount": "500.00", "currency": "EUR"},
            }
        },
    ),
}
