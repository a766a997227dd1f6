"""interest_run on real accounts and ledger history: accrual per account and day, posting on
the product's day through the ledger, catch-up, rate changes, overdraft, fees, idempotence."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts import interest
from apps.accounts.models import Account, ProductRate, ProductRateTier
from apps.accounts.models.interest import BankLedgerAccount, FeeCharge, InterestAccrual, InterestDay, InterestPosting
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry
from bankcore.testing.threads import run_concurrently
from tests.apps.accounts.factories import open_account, verified_customer
from tests.apps.accounts.ledger_history import arrange_overdraft, book, funding_account

pytestmark = pytest.mark.django_db
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _balance(account: Account) -> int:
    return ledger_read.balance(account_id=account.ledger_account_id).minor


def _bank(purpose: str) -> int:
    ledger_id = BankLedgerAccount.objects.get(purpose=purpose, currency="EUR").ledger_account_id
    return ledger_read.balance(account_id=ledger_id).minor


@pytest.fixture
def funding() -> int:
    return funding_account("EUR")


@pytest.fixture
def savings(funding: int) -> Account:
    """5,000.00 from 20 September 2026 10:00 UTC; savings pay 1.50 % up to 10,000.00 (defaults)."""
    account = open_account(product_code="savings", now=datetime(2026, 9, 20, 9, 0, tzinfo=UTC))
    book(account, 500_000, datetime(2026, 9, 20, 10, 0, tzinfo=UTC), funding=funding)
    return account


class TestSavings:
    def test_month_ends_post_credit_interest_from_the_banks_expense_account(self, savings: Account) -> None:
        report = interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        # Caught up from the day the account opened: 20 September to 31 October.
        assert report.days_accrued[0] == date(2026, 9, 20)
        assert InterestAccrual.objects.filter(account=savings).count() == 42
        # 5,000.00 x 1.5 % / 365 = 0.205479.../day. September (11 days): 2.2603 -> 2.26, 0.0027 carried;
        # October (31 days): 6.3699 + 0.0027 = 6.3726 -> 6.37.
        postings = list(InterestPosting.objects.filter(account=savings).order_by("posting_date"))
        assert [(p.posting_date, p.credit_minor, p.debit_minor) for p in postings] == [
            (date(2026, 9, 30), 226, 0),
            (date(2026, 10, 31), 637, 0),
        ]
        assert _balance(savings) == 500_000 + 226 + 637
        assert _bank("interest_expense") == 863  # a debit-normal expense: what the bank paid
        # What is carried is the exact rest: 42 days of interest less what was posted.
        exact = Decimal(500_000) * Decimal("0.015") * 42 / 365
        assert abs(postings[-1].credit_carry - (exact - 863)) < Decimal("1E-9")

    def test_running_the_month_end_twice_posts_once(self, savings: Account) -> None:
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        entries = Entry.objects.count()
        again = interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        out = io.StringIO()
        call_command("interest_run", "--date", "2026-10-31", stdout=out)
        assert again.postings == 0
        assert again.accruals_written == 0
        assert Entry.objects.count() == entries
        assert InterestPosting.objects.filter(account=savings).count() == 2
        assert _balance(savings) == 500_000 + 226 + 637
        assert "0 postings" in out.getvalue()

    def test_a_rate_change_mid_month_applies_from_its_day(self, savings: Account) -> None:
        rate = ProductRate.objects.create(product=savings.product, effective_from=date(2026, 10, 16))
        ProductRateTier.objects.create(rate=rate, from_balance_minor=0, annual_rate=Decimal("0.0365"))
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        october = InterestPosting.objects.get(account=savings, posting_date=date(2026, 10, 31))
        # 15 days at 1.5 % (3.0822) + 16 at 3.65 % (5,000.00 x 3.65 % / 365 = 0.50/day: 8.00) + 0.0027 carried.
        assert october.credit_minor == 1108
        by_day = dict(InterestAccrual.objects.filter(account=savings).values_list("day", "credit"))
        assert by_day[date(2026, 10, 15)] < by_day[date(2026, 10, 16)] == Decimal("50.000000000000")

    def test_balance_changes_count_from_the_end_of_their_day(self, savings: Account, funding: int) -> None:
        # 23:30 in Berlin on 10 October: that day's closing balance already has it.
        book(savings, 500_000, datetime(2026, 10, 10, 21, 30, tzinfo=UTC), funding=funding)
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        balances = dict(InterestAccrual.objects.filter(account=savings).values_list("day", "balance_minor"))
        assert balances[date(2026, 10, 9)] == 500_000
        assert balances[date(2026, 10, 10)] == 1_000_000

    def test_missed_days_are_caught_up_and_a_day_not_ended_is_refused(self, savings: Account) -> None:
        interest.interest_run(run_date=date(2026, 10, 5), now=LATER)
        assert InterestDay.objects.order_by("-day").values_list("day", flat=True)[0] == date(2026, 10, 5)
        report = interest.interest_run(run_date=date(2026, 10, 8), now=LATER)
        assert report.days_accrued == [date(2026, 10, 6), date(2026, 10, 7), date(2026, 10, 8)]
        with pytest.raises(interest.InterestRunRefused) as refused:
            interest.interest_run(run_date=date(2026, 12, 1), now=LATER)
        assert refused.value.code == "day_not_ended"


class TestCurrentAccount:
    @pytest.fixture
    def overdrawn(self, funding: int) -> Account:
        """-500.00 from 10 October 2026 within an arranged 1,000.00; the product charges 11.90 %."""
        account = open_account(product_code="current", now=datetime(2026, 9, 30, 21, 0, tzinfo=UTC))
        arrange_overdraft(account, 100_000)
        book(account, -50_000, datetime(2026, 10, 10, 8, 0, tzinfo=UTC), funding=funding)
        return account

    def test_debit_interest_goes_to_interest_income_and_the_fee_is_charged(self, overdrawn: Account) -> None:
        report = interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        posting = InterestPosting.objects.get(account=overdrawn, posting_date=date(2026, 10, 31))
        # 22 days at 500.00 x 11.9 % / 365 = 0.163013.../day: 3.5863 -> 3.58.
        assert (posting.credit_minor, posting.debit_minor) == (0, 358)
        assert _bank("interest_income") == 358
        fee = FeeCharge.objects.get(account=overdrawn, posting_date=date(2026, 10, 31))
        # Opened on 1 October (Berlin): the whole period, average balance far below 1,000.00.
        assert (fee.outcome, fee.amount_minor, fee.period_from) == ("charged", 495, date(2026, 10, 1))
        assert _bank("fee_income") == 495
        assert _balance(overdrawn) == -50_000 - 358 - 495
        assert report.fees_charged == 1

    def test_the_fee_is_waived_on_a_high_average_balance(self, funding: int) -> None:
        account = open_account(product_code="current", now=datetime(2026, 9, 30, 21, 0, tzinfo=UTC))
        book(account, 150_000, datetime(2026, 9, 30, 22, 0, tzinfo=UTC), funding=funding)
        book(account, -100_000, datetime(2026, 10, 25, 8, 0, tzinfo=UTC), funding=funding)
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        fee = FeeCharge.objects.get(account=account, posting_date=date(2026, 10, 31))
        # 24 days at 1,500.00 and 7 at 500.00: an average of 1,274.19, over the 1,000.00 threshold.
        assert (fee.outcome, fee.average_balance_minor) == ("waived", 127_419)
        assert _balance(account) == 50_000

    def test_an_account_opened_mid_period_pays_no_fee_for_it(self, funding: int) -> None:
        account = open_account(product_code="current", now=datetime(2026, 10, 12, 9, 0, tzinfo=UTC))
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        fee = FeeCharge.objects.get(account=account)
        assert (fee.outcome, fee.reason) == ("waived", "opened during the period")
        assert InterestAccrual.objects.filter(account=account).order_by("day").first().day == date(2026, 10, 12)


def test_an_account_closed_mid_month_accrues_only_while_open(savings: Account, funding: int) -> None:
    book(savings, -500_000, datetime(2026, 10, 14, 10, 0, tzinfo=UTC), funding=funding)
    Account.objects.filter(pk=savings.pk).update(status="closed", closed_at=datetime(2026, 10, 14, 11, 0, tzinfo=UTC))
    interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
    days = list(InterestAccrual.objects.filter(account=savings).order_by("day").values_list("day", flat=True))
    assert days[-1] == date(2026, 10, 14)
    assert not InterestPosting.objects.filter(account=savings, posting_date=date(2026, 10, 31)).exists()


def test_the_command_refuses_bad_dates_in_one_line() -> None:
    for args, message in (
        (["--date", "31/10/2026"], "is not a date"),
        (["--date", "20261031"], "is not a date"),  # ISO's basic form: the command promises YYYY-MM-DD
        (["--date", "2999-01-01"], "has not ended"),
    ):
        with pytest.raises(CommandError) as refused:
            call_command("interest_run", *args)
        assert message in str(refused.value)
        assert "\n" not in str(refused.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_post_once(funding: int) -> None:
    customer = verified_customer()
    account = open_account(customer=customer, product_code="savings", now=datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    book(account, 1_000_000, datetime(2026, 10, 20, 10, 0, tzinfo=UTC), funding=funding)
    start = threading.Barrier(4)

    def worker(_: int) -> None:
        start.wait()
        interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
        connection.close()

    run_concurrently(worker, count=4, barrier=start)
    assert InterestAccrual.objects.filter(account=account).count() == 12
    assert InterestPosting.objects.filter(account=account).count() == 1
    # 10,000.00 at 1.5 % for 12 days: 4.9315 -> 4.93, posted once.
    assert _balance(account) == 1_000_000 + 493
    assert Entry.objects.filter(idempotency_key__startswith="interest:").count() == 1
    assert ledger_read.reconcile().clean


def test_interest_for_a_blocked_account_waits_in_the_carry(savings: Account) -> None:
    from bankcore.ledger import services as ledger

    ledger.account_freeze(account_id=savings.ledger_account_id)  # what blocking the account does
    interest.interest_run(run_date=date(2026, 9, 30), now=LATER)
    september = InterestPosting.objects.get(account=savings, posting_date=date(2026, 9, 30))
    assert (september.credit_minor, september.credit_refused) == (0, "account_frozen")
    assert september.credit_carry > Decimal("2.26")
    ledger.account_unfreeze(account_id=savings.ledger_account_id)
    interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
    # Nothing lost: October posts both months (2.2603 + 6.3699 = 8.6302 -> 8.63).
    assert InterestPosting.objects.get(account=savings, posting_date=date(2026, 10, 31)).credit_minor == 863
    assert _balance(savings) == 500_000 + 863


def test_closing_settles_the_interest_accrued_since_the_last_posting(savings: Account) -> None:
    interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
    closing_at = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    posting = interest.interest_settle_for_close(account_id=savings.pk, now=closing_at)
    # 1 to 10 November (the closing day earns nothing): 10 x 0.205479... = 2.05479 + 0.000137 carried
    # (the rest of October's 8.630137) = 2.05493 -> 2.05.
    assert posting is not None
    assert (posting.posting_date, posting.credit_minor) == (date(2026, 11, 11), 205)
    assert interest.interest_settle_for_close(account_id=savings.pk, now=closing_at) is None
    assert _balance(savings) == 500_000 + 226 + 637 + 205


def test_an_approved_close_pays_the_interest_then_sweeps_it(savings: Account) -> None:
    from apps.accounts.services import statuses
    from bankcore.approvals import services as approvals
    from bankcore.users import roles
    from tests.apps.accounts.factories import staff

    interest.interest_run(run_date=date(2026, 10, 31), now=LATER)
    current = open_account(customer=savings.customer, now=datetime(2026, 9, 20, 9, 0, tzinfo=UTC))
    closing_at = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    maker, checker = staff(roles=[roles.SUPPORT_AGENT]), staff(roles=[roles.PAYMENTS_OPERATOR])
    request_id = statuses.account_close_request(
        account_id=savings.pk, reason="moving", maker_id=maker.pk, now=closing_at, sweep_to_account_id=current.pk
    )
    approvals.approval_approve(request_id=request_id, checker_id=checker.pk, now=closing_at)
    # November's 2.05 (see the test above) is posted before the sweep, so it moves with the rest.
    assert _balance(savings) == 0
    assert _balance(current) == 500_000 + 226 + 637 + 205
    assert ledger_read.reconcile().clean
