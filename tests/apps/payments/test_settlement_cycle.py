"""settlement_cycle: due accepted payments into pacs.008 files, each payment once, ever."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from apps.payments import iso20022 as iso
from apps.payments.models import Payment, PaymentKind, PaymentStatus
from apps.payments.models.settlement import ClearingFile, FileStatus, PaymentSubmission
from apps.payments.settlement import file_write, outbox_flush, settlement_cycle_run
from apps.payments.settlement_calendar import add_business_days, is_business_day, settlement_date_for
from bankcore.testing.threads import run_concurrently
from tests.apps.payments.settlement_factories import NOW, accepted_payment, clearing_env, funded_account
from tests.conftest import is_postgres

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def outbox(root: Path) -> list[Path]:
    return sorted((root / "outbox").glob("*.xml"))


class TestCalendar:
    def test_target_closing_days_come_from_the_ecb_calendar(self) -> None:
        assert not is_business_day(date(2026, 12, 25))
        assert not is_business_day(date(2026, 12, 26))
        assert not is_business_day(date(2027, 3, 26))  # Good Friday 2027
        assert not is_business_day(date(2026, 12, 5))  # a Saturday
        assert is_business_day(date(2026, 12, 24))  # open for TARGET

    def test_before_the_last_cut_off_settles_today_after_it_the_next_business_day(self) -> None:
        assert settlement_date_for(datetime(2026, 12, 2, 13, 59, tzinfo=UTC)) == date(2026, 12, 2)  # 14:59 Berlin
        assert settlement_date_for(datetime(2026, 12, 2, 14, 0, tzinfo=UTC)) == date(2026, 12, 3)  # 15:00 Berlin
        assert settlement_date_for(datetime(2026, 12, 24, 15, 0, tzinfo=UTC)) == date(2026, 12, 28)  # over Christmas

    def test_cut_offs_are_a_setting(self, settings: object) -> None:
        settings.SETTLEMENT_CUT_OFFS = ["12:00"]  # type: ignore[attr-defined]
        assert settlement_date_for(datetime(2026, 12, 2, 11, 30, tzinfo=UTC)) == date(2026, 12, 3)

    def test_business_days_skip_closing_days(self) -> None:
        assert add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
        assert add_business_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


class TestCycle:
    def test_due_payments_go_into_one_valid_file_and_are_submitted(self, clearing_env: Path) -> None:
        account = funded_account()
        due = [accepted_payment(account=account, amount="10.00"), accepted_payment(account=account, amount="2.50")]
        later = accepted_payment(account=account, execution_date=NOW.date() + timedelta(days=7))
        result = settlement_cycle_run(now=NOW)
        (path,) = outbox(clearing_env)
        message = iso.read(path.read_bytes())
        assert isinstance(message, iso.CreditTransferMessage)
        assert path.name == f"{message.msg_id}.xml"
        assert sorted(tx.tx_id for tx in message.transactions) == sorted(p.tx_id for p in due)
        assert message.settlement_date == date(2026, 12, 2)
        assert result.payments == 2
        assert result.total_minor == 1250
        assert {p.status for p in Payment.objects.filter(pk__in=[p.pk for p in due])} == {PaymentStatus.SUBMITTED}
        later.refresh_from_db()
        assert later.status == PaymentStatus.ACCEPTED
        assert ClearingFile.objects.get(msg_id=message.msg_id).status == FileStatus.WRITTEN

    def test_a_second_run_submits_nothing_again(self, clearing_env: Path) -> None:
        accepted_payment(account=funded_account())
        settlement_cycle_run(now=NOW)
        again = settlement_cycle_run(now=NOW + timedelta(minutes=5))
        assert again.payments == 0
        assert again.files == ()
        assert len(outbox(clearing_env)) == 1

    def test_instant_payments_go_one_to_a_file_marked_inst(self, clearing_env: Path) -> None:
        account = funded_account()
        for _ in range(2):
            accepted_payment(account=account, kind=PaymentKind.INSTANT)
        # Saturday night: instant knows no cut-off or closing day.
        settlement_cycle_run(now=datetime(2026, 12, 5, 22, 0, tzinfo=UTC))
        files = outbox(clearing_env)
        assert len(files) == 2
        assert all(iso.read(p.read_bytes()).instant for p in files)  # type: ignore[union-attr]

    def test_files_split_at_the_configured_size(self, clearing_env: Path, settings: object) -> None:
        settings.SETTLEMENT_FILE_MAX_TRANSACTIONS = 2  # type: ignore[attr-defined]
        account = funded_account()
        for _ in range(5):
            accepted_payment(account=account, amount="1.00")
        settlement_cycle_run(now=NOW)
        assert sorted(len(iso.read(p.read_bytes()).transactions) for p in outbox(clearing_env)) == [1, 2, 2]


class TestCrash:
    def test_a_decided_but_unwritten_file_is_written_by_the_next_run_under_its_msg_id(self, clearing_env: Path) -> None:
        """What a worker killed between deciding and writing leaves behind."""
        account = funded_account()
        payment = accepted_payment(account=account)
        from apps.payments.settlement import _decide  # the first half of a cycle, as a crash leaves it

        (file_id,) = _decide(payment_ids=[payment.pk], instant=False, day=NOW.date(), now=NOW, cycle=None)
        decided = ClearingFile.objects.get(pk=file_id)
        assert outbox(clearing_env) == []
        result = settlement_cycle_run(now=NOW + timedelta(minutes=5))
        assert result.files == (decided.msg_id,)
        (path,) = outbox(clearing_env)
        assert path.name == f"{decided.msg_id}.xml"
        assert PaymentSubmission.objects.filter(payment=payment).count() == 1
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUBMITTED

    def test_a_file_written_before_the_crash_is_not_changed(self, clearing_env: Path) -> None:
        payment = accepted_payment(account=funded_account())
        from apps.payments.settlement import _decide

        (file_id,) = _decide(payment_ids=[payment.pk], instant=False, day=NOW.date(), now=NOW, cycle=None)
        file_write(file_id=file_id, now=NOW)
        (path,) = outbox(clearing_env)
        before = (path.read_bytes(), path.stat().st_mtime_ns)
        ClearingFile.objects.filter(pk=file_id).update(status=FileStatus.DECIDED)  # the record lost in the crash
        outbox_flush(now=NOW + timedelta(hours=1))
        assert (path.read_bytes(), path.stat().st_mtime_ns) == before
        assert ClearingFile.objects.get(pk=file_id).status == FileStatus.WRITTEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cycles_at_once_submit_each_payment_once(clearing_env: Path) -> None:
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks")
    account = funded_account()
    ids = [accepted_payment(account=account, amount="1.00").pk for _ in range(20)]
    barrier = threading.Barrier(3)

    def cycle(_: int) -> None:
        barrier.wait(timeout=30)
        settlement_cycle_run(now=NOW)

    run_concurrently(cycle, count=3, barrier=barrier)
    assert PaymentSubmission.objects.filter(payment_id__in=ids).count() == 20
    seen = [tx.tx_id for path in outbox(clearing_env) for tx in iso.read(path.read_bytes()).transactions]
    assert len(seen) == len(set(seen)) == 20
