"""Accounts refusals: one class per rule family, each with a stable ``code``."""

from __future__ import annotations

from bankcore.errors import DomainError


class AccountRefused(DomainError):
    """The account cannot be opened as asked.

    ``code``: ``unknown_product``, ``product_withdrawn``, ``unsupported_currency``,
    ``tier_too_low``, ``customer_restricted``, ``too_many_accounts``, ``unknown_customer``.
    """

    code = "account_refused"


class AccountNotFound(DomainError):
    """No such account (or not one the asker may see)."""

    code = "account_not_found"
    status_code = 404


class StatusChangeRefused(DomainError):
    """The status change is not allowed from the account's current status, or lacks a reason.

    ``code``: ``reason_required``, ``invalid_transition``, ``not_empty``, ``sweep_target_invalid``,
    ``overdraft_not_allowed``, ``invalid_limit``, ``not_authorised``.
    """

    code = "status_change_refused"


class ProductRefused(DomainError):
    """The product or rate change is not allowed (``rate_in_past``, ``invalid_tiers``, ``invalid_currency``)."""

    code = "product_refused"
