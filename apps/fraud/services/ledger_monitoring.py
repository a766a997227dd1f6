"""Post-event monitoring: scoring the money a posted ledger entry took out of a customer's account.

Money that moved without a decision first (internal transfers, batch payouts, card captures) is
scored after the fact with the live rules and counts in the velocity aggregates.
"""

from __future__ import annotations

from datetime import datetime

from apps.fraud.errors import FraudRefused
from apps.fraud.selectors.decisions import transaction_known
from apps.fraud.services.decisions import transaction_decide
from apps.fraud.types import Decision, ProposedTransaction
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money


def ledger_reference(*, entry_id: int, account_id: int) -> str:
    """The monitored transaction's reference for the money ``account_id`` paid in ledger entry ``entry_id``."""
    return f"ledger:{entry_id}:{account_id}"


def ledger_transaction_build(
    *,
    entry_id: int,
    account_id: int,
    customer_id: int,
    counterparty_name: str = "",
    counterparty_country: str = "",
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> ProposedTransaction:
    """Describe the money that ledger account ``account_id`` (the customer's) paid out in a posted entry.

    The amount is what left the account, in its currency; the counterparty is the ledger account
    that received the largest part of it (``ledger:<id>``, the velocity key); the time is the
    entry's. What only the owning app knows (names, country, KYC) comes in as arguments. Raises
    FraudRefused ``not_outgoing`` when the entry took no money out of the account.
    """
    entry = ledger_read.entry_get(entry_id=entry_id)
    account = ledger_read.account_get(account_id=account_id)
    # A leg's amount is a debit when positive; a debit lowers a credit-normal (customer) account.
    sign = -1 if account.normal_side == "credit" else 1
    paid = -sum(sign * leg.amount.minor for leg in entry.legs if leg.account_id == account_id)
    if paid <= 0:
        raise FraudRefused(f"Entry {entry_id} took no money out of ledger account {account_id}.", code="not_outgoing")
    # The payee's leg moves the other way from the payer's: the largest of those is the counterparty.
    payees = [leg for leg in entry.legs if leg.account_id != account_id and sign * leg.amount.minor > 0]
    payee = max(payees, key=lambda leg: sign * leg.amount.minor, default=None)
    return ProposedTransaction(
        reference=ledger_reference(entry_id=entry_id, account_id=account_id),
        customer_id=customer_id,
        amount=Money(paid, account.currency),
        counterparty_key=f"ledger:{payee.account_id}" if payee is not None else "",
        counterparty_name=counterparty_name,
        counterparty_country=counterparty_country,
        channel="ledger",
        direction="out",
        occurred_at=entry.created_at,
        account_opened_at=account_opened_at,
        kyc_tier=kyc_tier,
        risk_rating=risk_rating,
        posted=True,
    )


def ledger_entry_monitor(
    *,
    entry_id: int,
    account_id: int,
    customer_id: int,
    now: datetime,
    counterparty_country: str = "",
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> Decision:
    """Score a posted ledger entry after the fact, with the live rules, and feed the velocity aggregates.

    Money that moved without a decision first (internal transfers, batch payouts, card captures)
    still counts: its amount lands in the customer's and the payee's windows, so the next payment,
    decided before money moves, sees it. A finding opens an alert (nothing is held: the money has
    moved). Monitoring the same entry again returns the first decision.
    """
    txn = ledger_transaction_build(
        entry_id=entry_id,
        account_id=account_id,
        customer_id=customer_id,
        counterparty_country=counterparty_country,
        account_opened_at=account_opened_at,
        kyc_tier=kyc_tier,
        risk_rating=risk_rating,
    )
    return transaction_decide(txn=txn, now=now)


def ledger_account_monitor(
    *,
    account_id: int,
    customer_id: int,
    now: datetime,
    limit: int = 500,
    account_opened_at: datetime | None = None,
    kyc_tier: str = "",
    risk_rating: str = "",
) -> list[Decision]:
    """Monitor the payments out of ``account_id`` posted since the last sweep, oldest first.

    Walks the account's postings newest first until it meets an entry monitored already (or has
    seen ``limit`` postings), then decides the new outgoing ones in the order they were posted, so
    each sees the windows as they stood. Safe to run twice and concurrently with live decisions:
    every entry has one reference, and deciding a reference again returns the first decision.
    """
    fresh: list[int] = []
    before: int | None = None
    seen = 0
    while seen < limit:
        page = ledger_read.posting_list(account_id=account_id, before=before, limit=min(200, limit - seen))
        done = False
        for line in page.items:
            seen += 1
            if transaction_known(reference=ledger_reference(entry_id=line.entry_id, account_id=account_id)):
                done = True
                break
            if line.amount.minor < 0 and line.entry_id not in fresh:  # holder's side: money out
                fresh.append(line.entry_id)
        if done or page.next_before is None:
            break
        before = page.next_before
    return [
        ledger_entry_monitor(
            entry_id=entry_id,
            account_id=account_id,
            customer_id=customer_id,
            now=now,
            account_opened_at=account_opened_at,
            kyc_tier=kyc_tier,
            risk_rating=risk_rating,
        )
        for entry_id in reversed(fresh)
    ]
