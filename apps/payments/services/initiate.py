"""Payment initiation: the spine of DESIGN.md §7 (filled in below the contract)."""

from __future__ import annotations

from datetime import date, datetime

from apps.payments.selectors import PaymentView
from bankcore.money import Money


def payment_initiate(
    *,
    customer_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    idempotency_key: str,
    now: datetime,
    source_account_id: int | None = None,
    source_ledger_account_id: int | None = None,
    debtor_name: str = "",
    debtor_iban: str = "",
    reference: str = "",
    end_to_end_id: str = "",
    instant: bool = False,
    execution_date: date | None = None,
    channel: str = "portal",
    sca_exemption: str = "",
    beneficiary_id: int | None = None,
    sca_challenge_id: int | None = None,
    consent_id: str | None = None,
    partner_id: int | None = None,
) -> PaymentView:
    raise NotImplementedError
