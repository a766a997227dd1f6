"""Which payments need strong customer authentication, and the challenge that binds one.

PSD2 RTS art. 5: the code the customer enters is bound to the amount and the payee
(``payment_sca_details``). The exemptions and their per-payer counters are the kernel's
(``bankcore.sca``): payments says what only it knows (a trusted beneficiary of its own list, the
payer's own accounts, a partner acting for its own business customer) and the kernel decides,
with the low-value counters it keeps across every context. A reason a caller vouches for (a
standing order authorised once, another context's own SCA) is recorded on the payment only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bankcore.money import Money
from bankcore.sca import services as sca

ACTION = "payment"
KERNEL_EXEMPTIONS = frozenset(sca.Exemption.values)


def payment_sca_details(*, amount: Money, creditor_iban: str, creditor_name: str) -> dict[str, Any]:
    """What the customer sees and approves: the dynamic link of RTS art. 5."""
    return {
        "amount": amount.to_decimal_string(),
        "currency": amount.currency,
        "creditor_iban": creditor_iban,
        "creditor_name": creditor_name,
    }


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
    found = sca.sca_exemption_evaluate(
        payer_id=customer_id,
        amount=amount,
        now=now,
        own_accounts=own_accounts,
        secure_corporate=secure_corporate,
        trusted_beneficiary=trusted_beneficiary,
    )
    return "" if found is None else found.exemption


def exemption_apply(*, customer_id: int, exemption: str, amount: Money, ref: str, now: datetime) -> bool:
    """Count the exemption in the payer's counters, inside the payment's transaction.

    False when the kernel refuses it now (the last low-value slot went to a concurrent payment):
    the payment then asks for SCA instead.
    """
    if exemption not in KERNEL_EXEMPTIONS:
        return True  # vouched for by the caller; recorded on the payment
    try:
        sca.sca_exemption_apply(payer_id=customer_id, exemption=exemption, amount=amount, ref=ref, now=now)
    except sca.ExemptionRefused:
        return False
    return True
