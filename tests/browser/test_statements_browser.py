"""Statements in a real browser, phone-wide and desktop: ask for one, watch a job's progress
update by itself (htmx polling), download the file; no CSP violation, no console error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models.statements import StatementJob
from apps.accounts.services import products
from apps.accounts.statements import jobs
from apps.kyc import services as kyc_services
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.apps.accounts.factories import open_account, verified_customer
from tests.apps.accounts.ledger_history import book, funding_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account(settings, tmp_path: Path):
    settings.STATEMENTS_DIR = tmp_path / "statements"
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    account = open_account(customer=verified_customer(), now=datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    funding = funding_account()
    book(account, 50_000, datetime(2026, 11, 3, 9, 0, tzinfo=UTC), funding=funding, description="Salary")
    book(account, -1_250, datetime(2026, 11, 4, 9, 0, tzinfo=UTC), funding=funding, description="Lunch")
    return account


def signed_in(page: Page, base: str, user: User) -> list[str]:
    client = Client()
    login_verified(client, user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _no_overflow(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False


@pytest.mark.parametrize("width", [375, 1280])
def test_customer_asks_for_a_statement_and_downloads_it(
    page: Page, live_server: LiveServer, account, width: int, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, live_server.url, account.customer)
    page.goto(f"{live_server.url}/app/accounts/{account.pk}/statements/")
    assert page.get_by_role("heading", level=1).inner_text() == "Statements"
    _no_overflow(page)
    page.get_by_label("From").fill("2026-11-01")
    page.get_by_label("To").fill("2026-11-30")
    page.get_by_label("Format").select_option("pdf")
    page.get_by_role("button", name="Request statement").click()
    expect(page.get_by_role("status")).to_contain_text("Statement requested")
    link = page.get_by_role("link", name="Download PDF statement 2026-11-01 to 2026-11-30")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename == f"statement-{account.iban}-2026-11-01-2026-11-30.pdf"
    _no_overflow(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_a_running_statement_shows_its_progress_until_it_is_ready(
    page: Page, live_server: LiveServer, account, width: int
) -> None:
    job = StatementJob.objects.create(
        account=account,
        customer_id=account.customer_id,
        from_date=date(2026, 11, 1),
        to_date=date(2026, 11, 30),
        format="camt053",
        status="running",
        lines_total=4,
        lines_done=1,
    )
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, live_server.url, account.customer)
    page.goto(f"{live_server.url}/app/accounts/{account.pk}/statements/")
    row = page.locator(f"#statement-job-{job.pk}")
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "25")
    expect(row).to_contain_text("25 %")
    StatementJob.objects.filter(pk=job.pk).update(lines_done=3)
    expect(row).to_contain_text("75 %")  # the row polls and updates by itself
    jobs.statement_job_run(job_id=job.pk, now=datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    expect(
        row.get_by_role("link", name="Download ISO 20022 camt.053 (XML) statement 2026-11-01 to 2026-11-30")
    ).to_be_visible()
    expect(row).to_contain_text("Ready")
    _no_overflow(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert errors == []
