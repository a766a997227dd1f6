"""payments: interface (DESIGN.md §7). The only module other apps import.

Keyword-only functions returning ids or frozen dataclasses. It re-exports the event names of
``apps.payments.events``, so a subscriber needs nothing else of this app.
"""

from __future__ import annotations

from datetime import date, datetime

from apps.payments import selectors
from apps.payments.errors import PaymentInvalid, PaymentNotFound, PaymentRefused, TransitionRefused
from apps.payments.events import *  # noqa: F403
from apps.payments.events import ALL as EVENTS
from apps.payments.selectors import PaymentView
from apps.payments.services import initiate, sandbox
from apps.payments.services.sandbox import WalletsEnsure
from bankcore.money import Money

__all__ = [
    "EVENTS",
    "PaymentInvalid",
    "PaymentNotFound",
    "PaymentRefused",
    "PaymentView",
    "TransitionRefused",
    "WalletsEnsure",
    "payment_get",
    "payment_initiate",
    "sandbox_wallets_register",
]


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
    channel: str = "wallet",
    sca_exemption: str = "",
    payee_must_be_payer: bool = False,
) -> PaymentView:
    """Pay ``amount`` from a customer account (``source_account_id``) or from a bank ledger
    account (``source_ledger_account_id``, e.g. the e-money account for a wallet withdrawal,
    with ``debtor_name`` / ``debtor_iban`` naming the payer) to ``creditor_iban``.

    Runs the whole spine (validation, verification of payee, KYC limits, hold or booking, fraud
    decision and counterparty screening). A caller from another context has done its own SCA:
    it names the exemption or reason in ``sca_exemption`` (for example ``"wallet_sca"``), which
    is recorded. Idempotent on ``idempotency_key`` per customer: the same request again returns
    the first payment; another request with the same key raises ``PaymentRefused``
    (``idempotency_key_reused``). Bad input raises ``PaymentInvalid`` with ``code`` and
    ``field``; nothing is written then. ``payee_must_be_payer`` (an e-money redemption): only to
    an account of the customer's own, else ``PaymentRefused`` (``payee_not_payer``).
    """
    return initiate.payment_initiate(
        customer_id=customer_id,
        amount=amount,
        creditor_name=creditor_name,
        creditor_iban=creditor_iban,
        idempotency_key=idempotency_key,
        now=now,
        source_account_id=source_account_id,
        source_ledger_account_id=source_ledger_account_id,
        debtor_name=debtor_name,
        debtor_iban=debtor_iban,
        reference=reference,
        end_to_end_id=end_to_end_id,
        instant=instant,
        execution_date=execution_date,
        channel=channel,
        sca_exemption=sca_exemption or "caller_sca",
        payee_must_be_payer=payee_must_be_payer,
    )


def payment_get(*, payment_id: int) -> PaymentView:
    """The payment as a frozen view; raises ``PaymentNotFound``."""
    view = selectors.payment_get(payment_id=payment_id)
    if view is None:
        raise PaymentNotFound(f"no payment {payment_id}")
    return view


def sandbox_wallets_register(ensure: WalletsEnsure) -> None:
    """Let the wallets app fund and list the sandbox partner's wallets in ``sandbox_partner``."""
    sandbox.sandbox_wallets_register(ensure)
