"""What a payment's ledger entries keep for the account history and statements (DESIGN.md §5).

The accounts app shows a transaction's counterparty and reference from its entry's metadata
(``counterparty_name``, ``counterparty_iban``, ``reference``; see ``apps.accounts.history``), and
statements too (camt.053 ``RltdPties`` and ``RmtInf/Ustrd``, the PDF's "From …"/"To …"), with the
``end_to_end_id``. Without them it falls back to the entry's description and the
bank's own settlement account, which is what a customer must not see for a payment. Only new
entries carry it: postings are never updated.
"""

from __future__ import annotations

from typing import Any


def entry_metadata(*, reference: str, end_to_end_id: str, name: str = "", iban: str = "") -> dict[str, Any]:
    """The entry's metadata; ``name``/``iban`` only when the other side is outside this bank.

    An internal payment names no counterparty: its entry has both customers on it, and each one's
    history shows the other's account from the other posting, which metadata cannot do per side.
    """
    meta: dict[str, Any] = {"reference": reference, "end_to_end_id": end_to_end_id}
    if name or iban:
        meta["counterparty_name"] = name
        meta["counterparty_iban"] = iban
    return meta
