"""KYC refusals: each rule its class and stable ``code``."""

from __future__ import annotations

from bankcore.errors import DomainError
from bankcore.money import Money


class LimitExceeded(DomainError):
    """The movement would go over a KYC limit (or the customer may not move money at all).

    ``code`` names the rule (``limit_per_transaction``, ``limit_per_day``, ``limit_per_month``,
    ``limit_held``, ``kind_not_allowed``, ``tier_moves_no_money``, ``customer_restricted``);
    ``limit`` is the ceiling in EUR (None when nothing is allowed by rule rather than amount),
    ``remaining`` what is still allowed in that window, ``attempted`` the movement in EUR.
    """

    code = "limit_exceeded"

    def __init__(
        self,
        message: str,
        *,
        code: str,
        kind: str,
        window: str,
        limit: Money | None,
        remaining: Money,
        attempted: Money,
    ) -> None:
        super().__init__(message, code=code)
        self.kind = kind
        self.window = window
        self.limit = limit
        self.remaining = remaining
        self.attempted = attempted


class UsageRefReused(DomainError):
    """The reference was already counted for another amount: one reference is one movement."""

    code = "usage_ref_reused"


class PartyInvalid(DomainError):
    """The customer's data is incomplete or wrong; ``errors`` maps each field to what is wrong with it."""

    code = "party_invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))
        self.errors = errors


class CaseRefused(DomainError):
    """The case cannot make this move; ``code`` names the rule (``not_in_review``, ``own_case``…)."""

    code = "case_refused"


class AccessRefused(DomainError):
    """A staff member may not see this sensitive data (no permission, or no reason given)."""

    code = "access_refused"
    status_code = 403
