"""Refusals of the wallets context: each a stable ``code``, all of them before any money moves."""

from __future__ import annotations

from bankcore.errors import DomainError


class WalletRefused(DomainError):
    """The wallet operation cannot be done; ``code`` says why and nothing was moved.

    Codes: ``insufficient_funds``, ``to_self``, ``unknown_recipient``, ``recipient_frozen``,
    ``recipient_no_wallet``, ``wallet_frozen``, ``wallet_in_recovery``, ``sca_required``,
    ``idempotency_key_reused``, ``limit_*`` (KYC), ``fx_rate_*``, ``quote_expired``,
    ``quote_used``, ``qr_invalid``, ``qr_expired``, ``request_not_pending``, ``request_expired``,
    ``unsupported_currency``, ``currency_mismatch``, ``invalid_amount``, ``invalid_note``,
    ``no_wallet`` (the payer has none in that currency); receiving by phone: ``invalid_phone``,
    ``phone_already_yours``, ``phone_unavailable``, ``no_phone_claim``,
    ``code_wrong``, ``code_expired``, ``code_attempts``, ``code_rate_limited``.
    """

    code = "wallet_refused"


class WalletNotFound(DomainError):
    """No such wallet, transfer, request, quote or top-up for this customer (another's is not found either)."""

    code = "not_found"
    status_code = 404


class WebhookRefused(DomainError):
    """An acquirer webhook that is not signed by the acquirer, too old or too new, or a replay."""

    code = "webhook_refused"
    status_code = 400
