"""Statement jobs and their portal pages: request, progress, download; the monthly run; privacy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import Client
from lxml import etree

from apps.accounts.models.statements import StatementJob
from apps.accounts.statements import jobs
from apps.accounts.statements.camt053 import schema
from bankcore.events.models import OutboxEvent
from bankcore.notifications.models import Notification
from bankcore.testing.access import assert_anonymous_refused, login_verified
from tests.apps.accounts.factories import open_account, verified_customer
from tests.apps.accounts.ledger_history import book, funding_account

pytestmark = pytest.mark.django_db
OPENED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def statements_dir(settings, tmp_path: Path) -> Path:
    settings.STATEMENTS_DIR = tmp_path / "statements"
    return settings.STATEMENTS_DIR


@pytest.fixture
def account():
    account = open_account(customer=verified_customer(), now=OPENED)
    funding = funding_account()
    book(account, 12_345, datetime(2026, 11, 3, 9, 0, tzinfo=UTC), funding=funding, description="Salary")
    book(account, -2_345, datetime(2026, 11, 4, 9, 0, tzinfo=UTC), funding=funding, description="Books")
    return account


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


class TestJobs:
    def test_a_requested_job_renders_stores_outside_public_paths_and_tells_the_customer(
        self, account, django_capture_on_commit_callbacks, statements_dir: Path
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            job_id = jobs.statement_job_request(
                customer_id=account.customer_id,
                account_id=account.pk,
                from_date=date(2026, 11, 1),
                to_date=date(2026, 11, 30),
                fmt="camt053",
                now=NOW,
            )
        job = StatementJob.objects.get(pk=job_id)
        assert (job.status, job.lines_total, job.lines_done, job.percent) == ("ready", 2, 2, 100)
        stored = statements_dir / job.file_name
        assert stored.is_file()
        assert schema().validate(etree.parse(str(stored)))
        event = OutboxEvent.objects.get(name="account.statement.ready")
        assert event.payload == {
            "account_id": account.pk,
            "customer_id": account.customer_id,
            "statement_id": job_id,
            "from_date": "2026-11-01",
            "to_date": "2026-11-30",
            "format": "camt053",
        }
        notice = Notification.objects.get(customer_id=account.customer_id, kind="accounts.statement")
        assert notice.link == f"/app/accounts/{account.pk}/statements/"

    def test_running_a_job_twice_renders_it_once(self, account, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            job_id = jobs.statement_job_request(
                customer_id=account.customer_id,
                account_id=account.pk,
                from_date=date(2026, 11, 1),
                to_date=date(2026, 11, 30),
                fmt="pdf",
                now=NOW,
            )
        assert jobs.statement_job_run(job_id=job_id, now=NOW) is False
        assert Notification.objects.filter(kind="accounts.statement").count() == 1

    def test_a_stranger_cannot_ask_for_anothers_statement(self, account) -> None:
        stranger = verified_customer()
        with pytest.raises(jobs.AccountNotFound):
            jobs.statement_job_request(
                customer_id=stranger.pk,
                account_id=account.pk,
                from_date=date(2026, 11, 1),
                to_date=date(2026, 11, 30),
                fmt="pdf",
                now=NOW,
            )
        assert not StatementJob.objects.exists()

    def test_the_monthly_run_makes_one_statement_per_account_however_often_it_runs(
        self, account, django_capture_on_commit_callbacks
    ) -> None:
        later = open_account(now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # opened after November
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.statements_monthly_request(now=NOW) == 1
            assert jobs.statements_monthly_request(now=NOW) == 0
        job = StatementJob.objects.get()
        assert (job.account_id, job.from_date, job.to_date, job.origin, job.status) == (
            account.pk,
            date(2026, 11, 1),
            date(2026, 11, 30),
            "monthly",
            "ready",
        )
        assert not StatementJob.objects.filter(account=later).exists()
        # The scheduled statement is announced as a requested one is, once however often the run goes.
        assert list(OutboxEvent.objects.filter(name="account.statement.ready").values_list("payload", flat=True)) == [
            {
                "account_id": account.pk,
                "customer_id": account.customer_id,
                "statement_id": job.pk,
                "from_date": "2026-11-01",
                "to_date": "2026-11-30",
                "format": "pdf",
            }
        ]


class TestPortal:
    def test_the_page_lists_requests_and_downloads(self, account, django_capture_on_commit_callbacks) -> None:
        client = _client(account.customer)
        url = f"/app/accounts/{account.pk}/statements/"
        page = client.get(url)
        assert page.status_code == 200
        assert account.iban in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url, {"from_date": "2026-11-01", "to_date": "2026-11-30", "fmt": "pdf"})
        assert answer.status_code == 302
        job = StatementJob.objects.get()
        listing = client.get(url).content.decode()
        assert f"/app/accounts/statements/{job.pk}/download/" in listing
        download = client.get(f"/app/accounts/statements/{job.pk}/download/")
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert f"statement-{account.iban}-2026-11-01-2026-11-30.pdf" in download["Content-Disposition"]
        assert b"".join(download.streaming_content).startswith(b"%PDF")

    def test_a_running_job_polls_its_progress_and_stops_when_done(self, account) -> None:
        job = StatementJob.objects.create(
            account=account,
            customer_id=account.customer_id,
            from_date=date(2026, 11, 1),
            to_date=date(2026, 11, 30),
            format="pdf",
            status="running",
            lines_total=10,
            lines_done=4,
        )
        client = _client(account.customer)
        row = client.get(f"/app/accounts/statements/{job.pk}/").content.decode()
        assert 'hx-trigger="every 1s"' in row
        assert 'value="40"' in row
        jobs.statement_job_run(job_id=job.pk, now=NOW)
        row = client.get(f"/app/accounts/statements/{job.pk}/").content.decode()
        assert "hx-trigger" not in row
        assert "Download PDF" in row

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"from_date": "2026-11-01", "to_date": "2099-11-30", "fmt": "pdf"}, "The range ends in the future"),
            ({"from_date": "2026-11-02", "to_date": "2026-11-01", "fmt": "pdf"}, "The range is reversed"),
            ({"from_date": "2000-01-01", "to_date": "2026-11-01", "fmt": "pdf"}, "The range is over 10 years"),
            ({"from_date": "2026-11-01", "to_date": "2026-11-30", "fmt": "docx"}, "Select a valid choice"),
            ({"from_date": "yesterday", "to_date": "2026-11-30", "fmt": "pdf"}, "Enter a valid date"),
        ],
    )
    def test_bad_input_is_a_form_error_and_writes_nothing(self, account, data, message) -> None:
        answer = _client(account.customer).post(f"/app/accounts/{account.pk}/statements/", data)
        assert answer.status_code == 400
        assert message in answer.content.decode()
        assert not StatementJob.objects.exists()

    def test_another_customer_gets_404_everywhere(self, account, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            job_id = jobs.statement_job_request(
                customer_id=account.customer_id,
                account_id=account.pk,
                from_date=date(2026, 11, 1),
                to_date=date(2026, 11, 30),
                fmt="pdf",
                now=NOW,
            )
        stranger = _client(verified_customer())
        for url in (
            f"/app/accounts/{account.pk}/statements/",
            f"/app/accounts/statements/{job_id}/",
            f"/app/accounts/statements/{job_id}/download/",
        ):
            assert stranger.get(url).status_code == 404, url
            assert_anonymous_refused(Client(), url)
        posted = stranger.post(
            f"/app/accounts/{account.pk}/statements/",
            {"from_date": "2026-11-01", "to_date": "2026-11-30", "fmt": "pdf"},
        )
        assert posted.status_code == 404
        assert StatementJob.objects.count() == 1
