"""Bulk payouts in a real browser, phone-wide and desktop: upload a CSV, approve with a code, see each line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from apps.accounts.services import products
from apps.fraud import interface as fraud
from apps.kyc import services as kyc_services
from apps.payments.models import BatchStatus, PaymentBatch
from tests.apps.payments.batch_factories import Row, business, csv_bytes
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, payer
from tests.browser.test_payments_pay_someone_browser import no_overflow, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready(live_server: LiveServer, settings: Any) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    settings.CLEARING_VOP_URL = live_server.url + "/simulators/clearing/vop/"
    fraud.screen_name("Warm Up")  # the sanctions index loads once, not inside a click's timeout


@pytest.mark.parametrize("width", [375, 1280])
def test_upload_approve_and_see_each_line(
    page: Page, live_server: LiveServer, ready: None, tmp_path: Path, width: int
) -> None:
    acme = business(balance="1000.00")
    bob = payer(balance="0", full_name="Bob Builder")
    file = tmp_path / "payouts.csv"
    file.write_bytes(
        csv_bytes(
            [
                Row("Bob Builder", bob.account.iban, "25.00"),
                Row(EXTERNAL_NAME, EXTERNAL_IBAN, "40.00"),
                Row("Broken", "DE00370400440532013000", "1.00"),
            ]
        )
    )
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, live_server.url, acme.user)

    page.goto(live_server.url + "/app/payments/batches/new/")
    page.get_by_label("File (CSV or pain.001.001.10 XML)").set_input_files(str(file))
    assert no_overflow(page)
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Approve with your code").wait_for()
    assert "check digits are wrong" in page.locator("#batch-lines").inner_text()
    assert no_overflow(page)
    page.get_by_label("Code from your authenticator app").fill(acme.code())
    page.get_by_role("button", name="Approve and pay").click()
    page.locator("#batch-status", has_text="Completed with errors").wait_for()
    lines = page.locator("#batch-lines").inner_text()
    assert "Paid" in lines
    assert "Accepted" in lines
    assert "Invalid" in lines
    assert no_overflow(page)
    batch = PaymentBatch.objects.get()
    assert (batch.status, batch.paid_count) == (BatchStatus.COMPLETED_WITH_ERRORS, 2)
    assert errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_a_bad_file_shows_why(page: Page, live_server: LiveServer, ready: None, tmp_path: Path, width: int) -> None:
    acme = business(balance="1000.00")
    file = tmp_path / "payouts.xml"
    file.write_bytes(b"<Document>not a payment file")
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": width, "height": 900})
    errors = signed_in(page, live_server.url, acme.user)
    page.goto(live_server.url + "/app/payments/batches/new/")
    page.get_by_label("File (CSV or pain.001.001.10 XML)").set_input_files(str(file))
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "not XML" in alert.inner_text()
    assert no_overflow(page)
    assert not PaymentBatch.objects.exists()
    assert errors == []
