"""Monthly account fees: charged on the product's posting day, once per account and period,
waived by the product's rules.

The period runs from the day after the previous posting day to the posting day. The fee is
waived when the account's average end-of-day balance over the period (from the daily interest
accruals, which record each day's closing balance) reaches the product's waiver threshold, and
for a first period the account was not open all of (no fee for a part month). A fee the ledger
refuses (debits blocked, no funds within the arranged overdraft) is recorded as refused and not
asked again: the bank does not push an account past its limit for its own fee.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from apps.accounts.interest import bank_date, bank_ledger_account, posting_date_in
from apps.accounts.models import Account
from apps.accounts.models.interest import FeeCharge, InterestAccrual
from bankcore.ledger import services as ledger
from bankcore.money import Money


def fee_period_start(*, posting_date: date, posting_day: int) -> date:
    """The first day a posting day's fee covers: the day after the previous month's posting day."""
    previous_month = posting_date.replace(day=1) - timedelta(days=1)
    return posting_date_in(previous_month.year, previous_month.month, posting_day) + timedelta(days=1)


def average_balance(*, account_id: int, period_from: date, period_to: date) -> int | None:
    """The mean end-of-day balance over the days the account had accruals in the period (floor)."""
    balances = list(
        InterestAccrual.objects.filter(account_id=account_id, day__gte=period_from, day__lte=period_to).values_list(
            "balance_minor", flat=True
        )
    )
    return sum(balances) // len(balances) if balances else None


def fee_charge_account(*, account_id: int, posting_date: date, now: datetime) -> str | None:
    """Charge (or waive) the account's monthly fee for the period ending ``posting_date``.

    Returns the outcome (``charged``, ``waived``, ``refused``), or None when the product has no
    fee or the period was dealt with before (the unique account + posting-day row).
    """
    account = Account.objects.select_related("product").get(pk=account_id)
    product = account.product
    if product.monthly_fee_minor <= 0:
        return None
    if FeeCharge.objects.filter(account_id=account_id, posting_date=posting_date).exists():
        return None
    period_from = fee_period_start(posting_date=posting_date, posting_day=product.interest_posting_day)
    average = average_balance(account_id=account_id, period_from=period_from, period_to=posting_date)
    charge = FeeCharge(
        account_id=account_id,
        posting_date=posting_date,
        period_from=period_from,
        amount_minor=product.monthly_fee_minor,
        average_balance_minor=average,
        created_at=now,
    )
    threshold = product.fee_waiver_min_average_balance_minor
    if bank_date(account.opened_at) > period_from:
        charge.outcome, charge.reason = FeeCharge.Outcome.WAIVED, "opened during the period"
    elif threshold is not None and average is not None and average >= threshold:
        charge.outcome = FeeCharge.Outcome.WAIVED
        charge.reason = (
            f"average balance {Money(average, account.currency)} reached {Money(threshold, account.currency)}"
        )
    else:
        charge.outcome = FeeCharge.Outcome.CHARGED
    try:
        with transaction.atomic():
            if charge.outcome == FeeCharge.Outcome.CHARGED:
                try:
                    with transaction.atomic():
                        charge.entry_id = ledger.transfer(
                            from_account_id=account.ledger_account_id,
                            to_account_id=bank_ledger_account(purpose="fee_income", currency=account.currency),
                            amount=Money(product.monthly_fee_minor, account.currency),
                            idempotency_key=f"fee:{account_id}:{posting_date.isoformat()}",
                            description=f"{product.name} monthly fee to {posting_date.isoformat()}",
                        )
                except ledger.LedgerError as refused:
                    charge.outcome, charge.reason = FeeCharge.Outcome.REFUSED, refused.code
            charge.save()
    except IntegrityError:
        return None  # another run dealt with this period first
    return str(charge.outcome)
