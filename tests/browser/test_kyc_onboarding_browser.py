"""Onboarding in a real browser, phone-wide and desktop: sign up, the wizard with real uploads, a
KYC officer's decision in the back office, and the customer seeing it; bad input is shown on the
page; nothing is blocked by the CSP and nothing is logged to the console."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from apps.fraud import interface as fraud
from apps.kyc import documents
from apps.kyc import services as kyc
from apps.kyc.models import CaseState, KycCase, SensitiveAccess
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.kyc import document_files as files
from tests.apps.kyc.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-Horse-battery-9"
WIDTHS = [(375, 812), (1280, 800)]


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    settings.KYC_STORAGE_DIR = tmp_path / "kyc"
    kyc.tiers_defaults_ensure()  # a transactional test starts from a flushed database
    return settings.KYC_STORAGE_DIR


@pytest.fixture(params=WIDTHS, ids=["phone", "desktop"])
def tab(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh browser tab; console errors, page errors and CSP reports are collected on ``problems``."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: (
            page.problems.append(message.text)  # type: ignore[attr-defined]
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    context.close()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def no_overflow(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def officer(email: str = "kim@bank.test") -> User:
    user: User = User.objects.create_user(email=email, password="x-Passw0rd-123", is_staff=True)
    roles.roles_sync()
    roles.user_roles_set(user_id=user.pk, roles=[roles.KYC_OFFICER])
    return user


def staff_tab(browser: Browser, base: str, user: User, width: int) -> Page:
    client = Client()
    login_verified(client, user)
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    return page


def sign_up(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    page.goto(base + link.group(1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")


def fill_personal(page: Page, *, birth_date: str) -> None:
    page.get_by_label("Full legal name").fill("Erika Mustermann")
    page.get_by_label("Date of birth").fill(birth_date)
    page.get_by_label("Nationality (country code)").fill("DE")
    page.get_by_label("Mobile phone").fill("+49 151 23456789")
    page.get_by_label("Tax residence (country code)").fill("DE")
    page.get_by_label("Tax identification number").fill("36574261809")
    page.get_by_label("Occupation").select_option("employee")
    page.get_by_label("Where your money comes from").select_option("salary")
    page.get_by_label("Expected money in per month (EUR)").fill("2500")
    page.get_by_role("button", name="Save and continue").click()


def test_sign_up_verify_and_be_approved(
    tab: Page, live_server: LiveServer, browser: Browser, tmp_path: Path, store: Path
) -> None:
    base = live_server.url
    # The sanctions matcher loads its index on first use; do that here, not inside a page's click.
    fraud.screen_name("Erika Mustermann")
    # short: the dashboard greets by the address, which must fit a phone's width
    email = f"e{tab.viewport_size['width']}@ex.test"  # type: ignore[index]
    sign_up(tab, base, email)

    # the dashboard says where verification stands and leads into it
    panel = tab.locator("#panel-kyc").locator("..")
    assert "Not started" in panel.inner_text()
    panel.get_by_role("link", name="Continue verification").click()
    tab.get_by_role("link", name="Start").click()
    tab.wait_for_url("**/app/kyc/personal/")

    # a birth date in the future is named on the page, and nothing is kept
    fill_personal(tab, birth_date="2999-01-01")
    assert "lies in the future" in tab.get_by_role("alert").first.inner_text()
    assert not KycCase.objects.exists()
    fill_personal(tab, birth_date="1990-05-01")
    tab.wait_for_url("**/app/kyc/address/")

    tab.get_by_label("Street and number").fill("Heidestraße 17")
    tab.get_by_label("Postcode").fill("51147")
    tab.get_by_label("City").fill("Köln")
    tab.get_by_label("Country (country code)").fill("DE")
    tab.get_by_role("button", name="Save and continue").click()
    tab.wait_for_url("**/app/kyc/id-document/")

    # a program named .jpg is refused with a message, and nothing is stored
    tab.get_by_label("Front of your ID card").set_input_files(write(tmp_path, "front.jpg", files.PE))
    tab.get_by_label("Back of your ID card").set_input_files(write(tmp_path, "back.jpg", files.jpeg()))
    tab.get_by_role("button", name="Save and continue").click()
    assert "is a program" in tab.get_by_role("alert").first.inner_text()
    assert not list(store.rglob("*.orig"))
    tab.get_by_label("Front of your ID card").set_input_files(write(tmp_path, "front.jpg", files.jpeg(gps=True)))
    tab.get_by_label("Back of your ID card").set_input_files(write(tmp_path, "back.png", files.png()))
    tab.get_by_role("button", name="Save and continue").click()
    tab.wait_for_url("**/app/kyc/selfie/")
    tab.get_by_label("A photo of your face").set_input_files(write(tmp_path, "me.jpg", files.jpeg(colour="tan")))
    tab.get_by_role("button", name="Save and continue").click()
    tab.wait_for_url("**/app/kyc/review/")
    assert "Erika Mustermann" in tab.content()
    assert no_overflow(tab)
    # submitting screens the customer inline here (eager tasks): on a busy machine that takes a while
    tab.get_by_role("button", name="Submit for verification").click(timeout=180_000)
    tab.wait_for_url("**/app/kyc/")
    assert tab.locator("#kyc-state").inner_text() == "In review"  # screened (eagerly here), now with an officer

    # a KYC officer approves in the back office
    customer = User.objects.get(email=email)
    case = KycCase.objects.get(customer=customer)
    assert case.state == CaseState.IN_REVIEW
    width = tab.viewport_size["width"]  # type: ignore[index]
    back_office = staff_tab(browser, base, officer(), width)
    officer_approves(back_office, base, case.pk)
    assert back_office.problems == []  # type: ignore[attr-defined]

    tab.reload()
    assert tab.locator("#kyc-state").inner_text() == "Approved"
    tab.goto(base + "/app/")
    assert "Approved" in tab.locator("#panel-kyc").locator("..").inner_text()
    assert no_overflow(tab)
    assert tab.problems == []  # type: ignore[attr-defined]


def officer_approves(page: Page, base: str, case_id: int) -> None:
    """From the case page: open the ID's front (a reason first), look at it, go back, approve."""
    page.goto(base + f"/admin/kyc/kyccase/{case_id}/change/")
    page.get_by_role("link", name="View ID document, front (reason required)").click()
    page.get_by_label("Why do you need to see this document?").fill("checking the ID for case review")
    page.get_by_role("button", name="Record my reason and view").click()
    page.locator("#kyc-document-image").wait_for()
    page.wait_for_function("document.getElementById('kyc-document-image').complete")
    assert page.evaluate("document.getElementById('kyc-document-image').naturalWidth") == 320
    assert SensitiveAccess.objects.filter(subject="document", reason="checking the ID for case review").count() == 1
    page.get_by_role("link", name=f"#{case_id}").click()
    page.get_by_label("Approve").check()
    page.locator("#kyc-decision textarea").fill("documents and screening clear")
    page.get_by_role("button", name="Record the decision").click()
    assert "Approved" in page.locator(".messagelist").inner_text()


def _customer_in_review(*, now: Any) -> tuple[User, int]:
    customer: User = CustomerFactory()
    kyc.party_save(
        customer_id=customer.pk,
        data={
            "kind": "person", "legal_name": "Max Mustermann", "birth_date": "1985-03-04", "nationality": "DE",
            "address_line": "Heidestraße 17", "address_city": "Köln", "address_postcode": "51147",
            "address_country": "DE", "phone": "+4915123456789", "tax_residence": "DE", "tax_id": "36574261809",
            "occupation": "employee", "source_of_funds": "salary", "expected_monthly_volume_minor": 100_000,
            "pep": False,
        },
        now=now,
    )  # fmt: skip
    case_id = kyc.case_open(customer_id=customer.pk, now=now)
    documents.documents_upload(
        customer_id=customer.pk,
        case_id=case_id,
        uploads_=[
            documents.Upload("id_front", "f.jpg", files.jpeg()),
            documents.Upload("id_back", "b.jpg", files.jpeg()),
            documents.Upload("selfie", "s.jpg", files.jpeg()),
        ],
        now=now,
    )
    kyc.case_submit(customer_id=customer.pk, now=now)
    return customer, case_id


def test_needs_more_information_then_resubmit(
    tab: Page, live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    base = live_server.url
    now = timezone.now()
    customer, case_id = _customer_in_review(now=now)
    assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW
    kyc.case_request_info(
        case_id=case_id, officer_id=officer().pk, message="Please send a recent utility bill as proof of address.",
        now=now,
    )  # fmt: skip

    client = Client()
    login_verified(client, customer)
    tab.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    tab.goto(base + "/app/")
    assert "We need more information from you." in tab.content()
    tab.goto(base + "/app/kyc/")
    assert tab.locator("#kyc-state").inner_text() == "Needs more information"
    assert "recent utility bill" in tab.locator("#kyc-info-request").inner_text()

    # a PDF with a script is refused on the page
    tab.get_by_label("What you are sending").select_option("proof_of_address")
    tab.get_by_label("File").set_input_files(write(tmp_path, "bill.pdf", files.pdf_with_javascript()))
    tab.get_by_role("button", name="Send").click()
    assert "active content" in tab.get_by_role("alert").first.inner_text()
    tab.get_by_label("What you are sending").select_option("proof_of_address")
    tab.get_by_label("File").set_input_files(write(tmp_path, "bill.pdf", files.pdf()))
    tab.get_by_role("button", name="Send").click()
    assert "Proof of address received." in tab.get_by_role("status").inner_text()
    assert "Proof of address" in tab.locator(".kyc-files").inner_text()

    tab.get_by_role("link", name="review and submit again").click()
    tab.wait_for_url("**/app/kyc/review/")
    tab.get_by_role("button", name="Submit for verification").click(timeout=180_000)
    tab.wait_for_url("**/app/kyc/")
    assert tab.locator("#kyc-state").inner_text() == "In review"
    moves = [t.to_state for t in KycCase.objects.get(pk=case_id).transitions.all()]
    assert "needs_more_info" in moves
    assert moves[-3:] == ["submitted", "screening", "in_review"]
    assert no_overflow(tab)
    assert tab.problems == []  # type: ignore[attr-defined]
