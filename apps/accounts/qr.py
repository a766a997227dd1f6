"""EPC QR codes ("scan to pay", EPC069-12) for paying into an account from another bank's app.

SEPA credit transfers are in euro, so only EUR accounts get one. With an amount the code comes
from segno's ``make_epc_qr``; without one, from the same format with the amount left empty
(the standard allows it: the payer's app asks for the amount), which segno's helper refuses.
"""

from __future__ import annotations

from decimal import Decimal

import segno
from segno import helpers

from bankcore.money import Money


def _text(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


def epc_qr_data_uri(*, name: str, iban: str, bic: str, amount: Money | None = None, text: str = "") -> str | None:
    """An SVG data: URI of the EPC QR code for a transfer to ``iban``; None for a non-EUR amount."""
    if amount is not None and amount.currency != "EUR":
        return None
    holder = _text(name, 70) or "Account holder"
    # segno's helper wants a text or a creditor reference: a plain word when none is given.
    remittance = _text(text, 140) or "Payment"
    if amount is not None:
        code = helpers.make_epc_qr(
            name=holder, iban=iban, amount=Decimal(amount.to_decimal_string()), text=remittance, bic=bic
        )
    else:
        lines = ["BCD", "002", "1", "SCT", bic, holder, iban, "", "", "", remittance]
        code = segno.make("\n".join(lines).rstrip("\n"), error="m", boost_error=False, encoding="utf-8")
    return str(code.svg_data_uri(scale=4, border=2))
