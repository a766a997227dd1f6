"""Every refusal of the ledger: one exception type per rule, each with a stable ``code``."""

from __future__ import annotations

from bankcore.errors import DomainError


class LedgerError(DomainError):
    """The ledger refused the request; nothing was written."""

    code = "ledger_error"


class Unbalanced(LedgerError):
    """The postings do not sum to zero in every currency."""

    code = "unbalanced"


class CurrencyMismatch(LedgerError):
    """An amount's currency differs from its account's."""

    code = "currency_mismatch"


class InvalidAmount(LedgerError):
    """The amount is not a positive Money value."""

    code = "invalid_amount"


class AmountOutOfRange(LedgerError):
    """The amount or a resulting balance does not fit in a signed 64-bit integer."""

    code = "amount_out_of_range"


class UnknownAccount(LedgerError):
    """No ledger account has that id."""

    code = "unknown_account"
    status_code = 404


class AccountClosed(LedgerError):
    """The account is closed; nothing can be posted to it."""

    code = "account_closed"


class AccountFrozen(LedgerError):
    """The account is frozen; nothing can be posted to it until it is unfrozen."""

    code = "account_frozen"


class AccountCreditOnly(LedgerError):
    """The account takes credits only: nothing may be debited or held on it until it is reopened."""

    code = "account_credit_only"


class AccountNotEmpty(LedgerError):
    """Only an account with a zero balance and no active hold can be closed."""

    code = "account_not_empty"


class InvalidAccount(LedgerError):
    """The account cannot be opened as asked (currency, policy or name)."""

    code = "invalid_account"


class SameAccount(LedgerError):
    """A transfer needs two different accounts."""

    code = "same_account"


class InsufficientFunds(LedgerError):
    """The available balance would fall below what the account's policy allows."""

    code = "insufficient_funds"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_conflict"
    status_code = 409


class InvalidRequest(LedgerError):
    """The request is malformed (empty key, no legs, bad reason...)."""

    code = "invalid_request"


class UnknownEntry(LedgerError):
    """No entry has that id."""

    code = "unknown_entry"
    status_code = 404


class AlreadyReversed(LedgerError):
    """The entry was already reversed (or is itself a reversal)."""

    code = "already_reversed"


class UnknownHold(LedgerError):
    """No hold has that id."""

    code = "unknown_hold"
    status_code = 404


class HoldNotActive(LedgerError):
    """The hold was already captured, released or expired."""

    code = "hold_not_active"


class CaptureExceedsHold(LedgerError):
    """A capture cannot take more than was held."""

    code = "capture_exceeds_hold"


class LedgerBusy(LedgerError):
    """The database kept reporting conflicts (deadlock or serialization failure); try again."""

    code = "ledger_busy"
    status_code = 503


BY_CODE: dict[str, type[LedgerError]] = {
    cls.code: cls
    for cls in (
        Unbalanced,
        CurrencyMismatch,
        InvalidAmount,
        AmountOutOfRange,
        UnknownAccount,
        AccountClosed,
        AccountFrozen,
        AccountCreditOnly,
        InsufficientFunds,
        IdempotencyConflict,
        SameAccount,
        AlreadyReversed,
    )
}


def from_code(code: str, message: str = "") -> LedgerError:
    """The exception for a refusal code reported by the database function."""
    return BY_CODE.get(code, LedgerError)(message, code=code)
