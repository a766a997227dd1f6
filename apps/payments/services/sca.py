"""Which payments need strong customer authentication, and the challenge that binds one.

PSD2 RTS art. 5: the code the customer enters is bound to the amount and the payee
(``payment_sca_details``). Exemptions (RTS arts. 13, 15, 16, 17) are decided here for what only
payments knows (a trusted beneficiary, the payer's own accounts, a partner's secure corporate
process) and by ``bankcore.sca`` for the low-value counters it keeps per payer across contexts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bankcore.money import Money
from bankcore.sca import services as sca

ACTION = "payment"


class Exemption:
    TRUSTED_BENEFICIARY = "trusted_beneficiary"
    OWN_ACCOUNTS = "own_accounts"
    SECURE_CORPORATE = "secure_corporate"
    LOW_VALUE = "low_value"


def payment_sca_details(*, amount: Money, creditor_iban: str, creditor_name: str) -> dict[str, Any]:
    """What the customer sees and approves: the dynamic link of RTS art. 5."""
    return {
        "amount": amount.to_decimal_string(),
        "currency": amount.currency,
        "creditor_iban": creditor_iban,
        "creditor_name": creditor_name,
    }


def _kernel(name: str) -> Any:
    return getattr(sca, name, None)


def exemption_evaluate(
    *,
    customer_id: int,
    amount: Money,
    trusted_beneficiary: bool,
    own_accounts: bool,
    secure_corporate: bool,
    now: datetime,
) -> str:
    """The exemption that applies to this payment, or "" when the customer must authenticate."""
    if own_accounts:
        return Exemption.OWN_ACCOUNTS
    if trusted_beneficiary:
        return Exemption.TRUSTED_BENEFICIARY
    if secure_corporate:
        return Exemption.SECURE_CORPORATE
    evaluate = _kernel("exemption_evaluate")
    if callable(evaluate):
        found = evaluate(user_id=customer_id, amount=amount, now=now)
        if found:
            return str(getattr(found, "kind", found))
    return ""


def exemption_apply(*, customer_id: int, exemption: str, amount: Money, ref: str, now: datetime) -> None:
    """Count the exemption in the payer's counters (inside the payment's transaction)."""
    apply = _kernel("exemption_apply")
    if callable(apply):
        apply(user_id=customer_id, kind=exemption, amount=amount, ref=ref, now=now)
