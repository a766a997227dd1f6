"""Interest on accounts: daily accrual at full precision, posted monthly through the ledger.

Day count: ACT/ACT (ISDA). Each day earns ``annual rate / days in that day's calendar year``
(365 or 366), so every calendar year adds up to exactly one year of interest: a balance held
all year at 2 % earns exactly 2 % of it, in a leap year as in any other.

Credit interest is marginal by tier (each tier's rate on the part of the end-of-day balance from
its threshold up to the next tier's); debit interest applies to the part of a negative end-of-day
balance within the arranged overdraft. A day's accrual is a ``Decimal`` in minor units kept to
``ACCRUAL_PLACES``; posting rounds the period's total (plus what was carried) down to whole minor
units and carries the remainder, so nothing is ever lost or paid twice.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from apps.accounts.models import Account, ProductRate
from apps.accounts.models.interest import BankLedgerAccount, FeeCharge, InterestAccrual, InterestDay, InterestPosting
from bankcore.errors import DomainError
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money

log = logging.getLogger(__name__)

DAY_COUNT = "ACT/ACT ISDA"
# A day's accrual is kept to a millionth of a millionth of a minor unit (10^-14 EUR): 28
# significant digits cover any balance the ledger can hold at any rate below 100 %.
ACCRUAL_PLACES = Decimal("1E-12")
_CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Tier:
    """Credit interest at ``annual_rate`` on the part of the balance from ``from_balance_minor``."""

    from_balance_minor: int
    annual_rate: Decimal


@dataclass(frozen=True, slots=True)
class Terms:
    """A product's rates from ``effective_from`` (a bank day) until the next terms' date."""

    effective_from: date
    tiers: tuple[Tier, ...]
    debit_annual_rate: Decimal

    @property
    def pays_nothing(self) -> bool:
        return not any(tier.annual_rate for tier in self.tiers) and not self.debit_annual_rate


@dataclass(frozen=True, slots=True)
class DayAccrual:
    """One day's interest in minor units, both positive: ``credit`` the bank owes, ``debit`` it charges."""

    day: date
    balance_minor: int
    credit: Decimal
    debit: Decimal


def days_in_year(day: date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def terms_on(day: date, terms: Sequence[Terms]) -> Terms | None:
    """The terms in force on ``day``: the latest that started on or before it (None before the first)."""
    current = None
    for candidate in sorted(terms, key=lambda t: t.effective_from):
        if candidate.effective_from <= day:
            current = candidate
    return current


def annual_credit_interest(balance_minor: int, tiers: Sequence[Tier]) -> Decimal:
    """A year's credit interest on ``balance_minor`` held all year, tier by tier (marginal), exact."""
    if balance_minor <= 0:
        return ZERO
    ordered = sorted(tiers, key=lambda t: t.from_balance_minor)
    total = ZERO
    with localcontext(_CONTEXT):
        for index, tier in enumerate(ordered):
            if balance_minor <= tier.from_balance_minor:
                break
            upper = ordered[index + 1].from_balance_minor if index + 1 < len(ordered) else None
            portion = (min(balance_minor, upper) if upper is not None else balance_minor) - tier.from_balance_minor
            total += Decimal(portion) * tier.annual_rate
    return total


def day_accrual(*, day: date, balance_minor: int, terms: Terms | None, overdraft_limit_minor: int) -> DayAccrual:
    """The interest of one day on its end-of-day balance under ``terms`` (ACT/ACT ISDA)."""
    credit = debit = ZERO
    if terms is not None:
        with localcontext(_CONTEXT):
            year = Decimal(days_in_year(day))
            if balance_minor > 0:
                credit = (annual_credit_interest(balance_minor, terms.tiers) / year).quantize(ACCRUAL_PLACES)
            elif balance_minor < 0 and terms.debit_annual_rate:
                # Only the arranged overdraft bears the debit rate; the ledger lets no account go past it.
                overdrawn = min(-balance_minor, max(overdraft_limit_minor, 0))
                debit = (Decimal(overdrawn) * terms.debit_annual_rate / year).quantize(ACCRUAL_PLACES)
    return DayAccrual(day=day, balance_minor=balance_minor, credit=credit, debit=debit)


def posting_split(accrued: Decimal) -> tuple[int, Decimal]:
    """``accrued`` minor units as what is posted now (whole minor units, rounded down) and the carry."""
    with localcontext(_CONTEXT):
        posted = int(accrued.to_integral_value(rounding=ROUND_DOWN))
        return posted, (accrued - posted).quantize(ACCRUAL_PLACES)


def posting_date_in(year: int, month: int, posting_day: int) -> date:
    """The product's posting day in a month: ``posting_day``, or the month's last day when shorter."""
    return date(year, month, min(posting_day, calendar.monthrange(year, month)[1]))


def is_posting_day(day: date, posting_day: int) -> bool:
    return posting_date_in(day.year, day.month, posting_day) == day


# --- bank days ----------------------------------------------------------------------------------


def bank_zone() -> ZoneInfo:
    return ZoneInfo(settings.BANK_TIME_ZONE)


def day_start(day: date) -> datetime:
    """The first moment of a bank day (``BANK_TIME_ZONE``; 23 or 25 hours long across a DST change)."""
    return datetime.combine(day, time.min, tzinfo=bank_zone())


def day_end(day: date) -> datetime:
    """The first moment of the next bank day: a day's closing balance is the balance just before it."""
    return day_start(day + timedelta(days=1))


def bank_date(moment: datetime) -> date:
    return moment.astimezone(bank_zone()).date()


# --- the bank's own ledger accounts -------------------------------------------------------------

_BANK_ACCOUNT_SIDES = {
    # An expense grows by debits; income by credits. Both may run either way (reversals).
    BankLedgerAccount.Purpose.INTEREST_EXPENSE: LedgerAccount.NormalSide.DEBIT,
    BankLedgerAccount.Purpose.INTEREST_INCOME: LedgerAccount.NormalSide.CREDIT,
    BankLedgerAccount.Purpose.FEE_INCOME: LedgerAccount.NormalSide.CREDIT,
}


def bank_ledger_account(*, purpose: str, currency: str) -> int:
    """The ledger account id of the bank's ``purpose`` account in ``currency``, opened on first use.

    Idempotent under concurrency: the unique (purpose, currency) row decides which opening wins;
    a loser's ledger account stays unused and empty (the ledger never deletes accounts).
    """
    found = BankLedgerAccount.objects.filter(purpose=purpose, currency=currency).values_list(
        "ledger_account_id", flat=True
    )
    existing = found.first()
    if existing is not None:
        return int(existing)
    label = BankLedgerAccount.Purpose(purpose).label
    try:
        with transaction.atomic():
            ledger_id = ledger.account_open(
                name=f"{label} ({currency})",
                currency=currency,
                allow_negative=True,
                kind=LedgerAccount.Kind.INTERNAL,
                normal_side=_BANK_ACCOUNT_SIDES[BankLedgerAccount.Purpose(purpose)],
            )
            BankLedgerAccount.objects.create(purpose=purpose, currency=currency, ledger_account_id=ledger_id)
            return ledger_id
    except IntegrityError:
        return int(found.get())


# --- the daily run ------------------------------------------------------------------------------


class InterestRunRefused(DomainError):
    """``interest_run`` cannot run for that date (``day_not_ended``)."""

    code = "interest_run_refused"


@dataclass
class InterestRunReport:
    run_date: date
    days_accrued: list[date] = field(default_factory=list)
    accruals_written: int = 0
    postings: int = 0
    credit_posted_minor: int = 0
    debit_posted_minor: int = 0
    credits_refused: int = 0
    debits_refused: int = 0
    fees_charged: int = 0
    fees_waived: int = 0
    fees_refused: int = 0
    caught_up: bool = True


# A run catches up at most this many missed days (a year and a day); the next run goes on.
MAX_CATCH_UP_DAYS = 366
_INSERT_BATCH = 5000


def product_terms() -> dict[int, list[Terms]]:
    """Every product's dated terms (a few rows per product: read once per run)."""
    terms: dict[int, list[Terms]] = defaultdict(list)
    for rate in ProductRate.objects.prefetch_related("tiers").order_by("product_id", "effective_from"):
        tiers = tuple(
            Tier(from_balance_minor=t.from_balance_minor, annual_rate=t.annual_rate)
            for t in sorted(rate.tiers.all(), key=lambda t: t.from_balance_minor)
        )
        terms[rate.product_id].append(
            Terms(effective_from=rate.effective_from, tiers=tiers, debit_annual_rate=rate.debit_annual_rate)
        )
    return terms


def _accounts_open_on(day: date) -> Q:
    """Accounts open at some moment of ``day``: opened before it ended, not closed before it began."""
    return Q(opened_at__lt=day_end(day)) & (Q(closed_at__isnull=True) | Q(closed_at__gte=day_start(day)))


def _days_to_accrue(run_date: date) -> list[date]:
    last = InterestDay.objects.aggregate(last=Max("day"))["last"]
    if last is None:
        first_opened = Account.objects.order_by("opened_at").values_list("opened_at", flat=True).first()
        if first_opened is None:
            return []
        start = bank_date(first_opened)
    else:
        start = last + timedelta(days=1)
    days = []
    day = start
    while day <= run_date:
        days.append(day)
        day += timedelta(days=1)
    return days


def interest_accrue_day(*, day: date, terms: dict[int, list[Terms]], now: datetime) -> int:
    """Write one accrual row for every account open on ``day``; returns how many were new.

    Set-based: one read of the accounts, one indexed read of their end-of-day balances (5,000 a
    query), inserts in batches. The unique (account, day) row makes a repeat, or a second runner
    at the same moment, write nothing twice.
    """
    accounts = list(
        Account.objects.filter(_accounts_open_on(day)).values_list(
            "id", "ledger_account_id", "product_id", "overdraft_limit_minor"
        )
    )
    done = set(InterestAccrual.objects.filter(day=day).values_list("account_id", flat=True))
    accounts = [row for row in accounts if row[0] not in done]
    balances = ledger_read.balances_before(account_ids=[row[1] for row in accounts], before=day_end(day))
    in_force = {product_id: terms_on(day, product) for product_id, product in terms.items()}
    rows = []
    for account_id, ledger_id, product_id, overdraft_minor in accounts:
        accrual = day_accrual(
            day=day,
            balance_minor=balances.get(ledger_id, 0),
            terms=in_force.get(product_id),
            overdraft_limit_minor=overdraft_minor,
        )
        rows.append(
            InterestAccrual(
                account_id=account_id,
                day=day,
                balance_minor=accrual.balance_minor,
                credit=accrual.credit,
                debit=accrual.debit,
            )
        )
    InterestAccrual.objects.bulk_create(rows, batch_size=_INSERT_BATCH, ignore_conflicts=True)
    InterestDay.objects.update_or_create(day=day, defaults={"accounts": len(done) + len(rows), "completed_at": now})
    return len(rows)


def _carry(account_id: int) -> tuple[Decimal, Decimal]:
    last = (
        InterestPosting.objects.filter(account_id=account_id)
        .order_by("-posting_date")
        .values_list("credit_carry", "debit_carry")
        .first()
    )
    return (Decimal(last[0]), Decimal(last[1])) if last else (ZERO, ZERO)


def interest_post_account(*, account_id: int, posting_date: date, now: datetime) -> InterestPosting | None:
    """Post an account's unposted accruals up to ``posting_date`` through the ledger; once only.

    Credit interest moves from the bank's interest-expense account to the customer, debit
    interest from the customer to interest income, each in whole minor units rounded down; the
    rest carries to the next posting. Returns the posting, or None when it had been made before.
    A leg the ledger refuses (a blocked account takes no credit; debits blocked, or past the
    limit, take no debit) is not lost: it stays in its carry and is posted at the next posting.
    """
    if InterestPosting.objects.filter(account_id=account_id, posting_date=posting_date).exists():
        return None
    account = Account.objects.filter(pk=account_id).values("ledger_account_id", "currency").get()
    try:
        with transaction.atomic():
            carry_credit, carry_debit = _carry(account_id)
            due = InterestAccrual.objects.filter(account_id=account_id, posting__isnull=True, day__lte=posting_date)
            rows = list(due.values_list("id", "day", "credit", "debit"))
            credit_total = carry_credit + sum((Decimal(r[2]) for r in rows), ZERO)
            debit_total = carry_debit + sum((Decimal(r[3]) for r in rows), ZERO)
            credit_minor, credit_rest = posting_split(credit_total)
            debit_minor, debit_rest = posting_split(debit_total)
            posting = InterestPosting.objects.create(
                account_id=account_id,
                posting_date=posting_date,
                accrued_from=min((r[1] for r in rows), default=None),
                accrued_to=max((r[1] for r in rows), default=None),
                credit_carry=credit_rest,
                debit_carry=debit_rest,
                created_at=now,
            )
            currency = account["currency"]
            customer_ledger = account["ledger_account_id"]
            if credit_minor:
                try:
                    with transaction.atomic():
                        posting.credit_entry_id = ledger.transfer(
                            from_account_id=bank_ledger_account(purpose="interest_expense", currency=currency),
                            to_account_id=customer_ledger,
                            amount=Money(credit_minor, currency),
                            idempotency_key=f"interest:credit:{account_id}:{posting_date.isoformat()}",
                            description=f"Credit interest to {posting_date.isoformat()}",
                        )
                    posting.credit_minor = credit_minor
                except ledger.LedgerError as refused:  # a blocked (frozen) account takes nothing
                    posting.credit_refused = refused.code
                    posting.credit_carry = credit_total.quantize(ACCRUAL_PLACES)
            if debit_minor:
                try:
                    with transaction.atomic():
                        posting.debit_entry_id = ledger.transfer(
                            from_account_id=customer_ledger,
                            to_account_id=bank_ledger_account(purpose="interest_income", currency=currency),
                            amount=Money(debit_minor, currency),
                            idempotency_key=f"interest:debit:{account_id}:{posting_date.isoformat()}",
                            description=f"Debit interest to {posting_date.isoformat()}",
                        )
                    posting.debit_minor = debit_minor
                except ledger.LedgerError as refused:
                    posting.debit_refused = refused.code
                    posting.debit_carry = debit_total.quantize(ACCRUAL_PLACES)
            posting.save()
            due.filter(id__in=[r[0] for r in rows]).update(posting=posting)
            return posting
    except IntegrityError:
        # Another run posted this account and day first (the unique row): nothing to do.
        if InterestPosting.objects.filter(account_id=account_id, posting_date=posting_date).exists():
            return None
        raise


def _posting_accounts(day: date) -> list[int]:
    """Accounts whose product posts on ``day`` and that are still open for postings at its end."""
    products = [
        product_id
        for product_id, posting_day in Account.objects.values_list("product_id", "product__interest_posting_day")
        .distinct()
        .order_by()
        if is_posting_day(day, posting_day)
    ]
    if not products:
        return []
    return list(
        Account.objects.filter(product_id__in=products, opened_at__lt=day_end(day), closed_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def interest_run(*, run_date: date, now: datetime) -> InterestRunReport:
    """Accrue every day up to ``run_date`` not yet accrued, and post on each product's posting day.

    Running it again for a day changes nothing: accruals are unique per account and day, postings
    and fees per account and posting day. Missed days are caught up in order (at most
    ``MAX_CATCH_UP_DAYS`` a run), each posting day among them posted as it passes.
    """
    from apps.accounts import fees  # fees read the accruals this module writes, and its bank days

    if day_end(run_date) > now:
        zone = settings.BANK_TIME_ZONE
        raise InterestRunRefused(f"{run_date.isoformat()} has not ended yet in {zone}", code="day_not_ended")

    report = InterestRunReport(run_date=run_date)
    days = _days_to_accrue(run_date)
    if len(days) > MAX_CATCH_UP_DAYS:
        days = days[:MAX_CATCH_UP_DAYS]
        report.caught_up = False
    elif run_date not in days:
        # Asked again for a day already accrued: every step below is a no-op for what was done,
        # and finishes what a run that died midway left.
        days.append(run_date)
    terms = product_terms()
    for day in days:
        report.accruals_written += interest_accrue_day(day=day, terms=terms, now=now)
        report.days_accrued.append(day)
        for account_id in _posting_accounts(day):
            posting = interest_post_account(account_id=account_id, posting_date=day, now=now)
            if posting is not None:
                report.postings += 1
                report.credit_posted_minor += posting.credit_minor
                report.debit_posted_minor += posting.debit_minor
                report.credits_refused += bool(posting.credit_refused)
                report.debits_refused += bool(posting.debit_refused)
            outcome = fees.fee_charge_account(account_id=account_id, posting_date=day, now=now)
            report.fees_charged += outcome == FeeCharge.Outcome.CHARGED
            report.fees_waived += outcome == FeeCharge.Outcome.WAIVED
            report.fees_refused += outcome == FeeCharge.Outcome.REFUSED
    log.info(
        "interest run",
        extra={"run_date": run_date.isoformat(), "days": len(report.days_accrued), "postings": report.postings},
    )
    return report


def interest_settle_for_close(*, account_id: int, now: datetime) -> InterestPosting | None:
    """Accrue an account's days up to yesterday (bank time) and post all it is owed or owes now.

    For the closing flow, before the balance is swept: the day of closing earns nothing (its
    closing balance will be zero). Idempotent like the daily run: days already accrued are kept,
    and a second call on the same day posts nothing (the unique account + posting-day row).
    Returns the posting, or None when there was one already today.
    """
    today = bank_date(now)
    account = (
        Account.objects.filter(pk=account_id)
        .values("ledger_account_id", "product_id", "overdraft_limit_minor", "opened_at")
        .get()
    )
    last = InterestAccrual.objects.filter(account_id=account_id).aggregate(last=Max("day"))["last"]
    day = last + timedelta(days=1) if last is not None else bank_date(account["opened_at"])
    terms = product_terms().get(account["product_id"], [])
    rows = []
    while day < today:
        balance = ledger_read.balance_before(account_id=account["ledger_account_id"], before=day_end(day)).minor
        accrual = day_accrual(
            day=day,
            balance_minor=balance,
            terms=terms_on(day, terms),
            overdraft_limit_minor=account["overdraft_limit_minor"],
        )
        rows.append(
            InterestAccrual(
                account_id=account_id, day=day, balance_minor=balance, credit=accrual.credit, debit=accrual.debit
            )
        )
        day += timedelta(days=1)
    InterestAccrual.objects.bulk_create(rows, batch_size=_INSERT_BATCH, ignore_conflicts=True)
    return interest_post_account(account_id=account_id, posting_date=today, now=now)
