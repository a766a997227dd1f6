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

# operationId → (request body example, {status: response example})
EXAMPLES: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {
    "v1_payments_create": (_PAYMENT, {"201": _PAYMENT_OUT}),
    "v1_payments_retrieve": (None, {"200": _PAYMENT_OUT}),
    "v1_payments_list": (None, {"200": {"results": [_PAYMENT_OUT], "next": None}}),
    "v1_payments_cancel": (None, {"200": {**_PAYMENT_OUT, "status": "cancelled"}}),
    "v1_consents_create": (_CONSENT, {"201": _CONSENT_OUT}),
    "v1_consents_retrieve": (None, {"200": _CONSENT_OUT}),
    "v1_webhook_endpoints_create": (_ENDPOINT, {}),
    "v1_wallet_transfers_create": (_TRANSFER, {}),
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
