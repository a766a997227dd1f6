"""A KYC officer works the queue in a real browser: queue → case → approve with a reason (phone and desktop)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from apps.kyc import interface as kyc
from apps.kyc import services
from apps.kyc.models import KycCase
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW
from tests.apps.kyc.factories import CustomerFactory, case_in_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[(375, 812), (1280, 800)], ids=["phone", "desktop"])
def officer_page(request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A signed-in KYC officer's tab; console errors (CSP reports among them) are collected on ``page.problems``."""
    services.tiers_defaults_ensure()  # a transactional test starts from a flushed database
    roles.roles_sync()
    officer = User.objects.create_user(email="officer@bank.test", password="x-Passw0rd-123", is_staff=True)
    roles.user_roles_set(user_id=officer.pk, roles=[roles.KYC_OFFICER])
    client = Client()
    login_verified(client, officer)
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield page
    context.close()


def test_the_officer_approves_the_oldest_case_with_a_reason(officer_page: Page, live_server: LiveServer) -> None:
    customer = CustomerFactory(email="erika@example.test")
    EmailAddress.objects.create(user=customer, email=customer.email, verified=True, primary=True)
    case_id = case_in_review(customer.pk, NOW)

    page = officer_page
    page.goto(live_server.url + "/admin/kyc/kyccase/?state__exact=in_review")
    page.locator("#result_list").get_by_role("link", name=str(case_id), exact=True).click()
    page.wait_for_url(f"**/admin/kyc/kyccase/{case_id}/change/**")
    assert "Erika Mustermann" in page.locator(".field-party_summary").inner_text()
    assert "•••• 1809" in page.locator(".field-party_summary").inner_text()
    assert "no match" in page.locator(".field-screening_summary").inner_text()

    page.get_by_label("Approve").check()
    page.get_by_label("Reason").fill("Passport and address match the register.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()
    assert "Approved: the customer is verified" in page.locator(".messagelist").inner_text()
    assert "Passport and address match the register." in page.locator(".field-decision_reason").inner_text()

    case = KycCase.objects.get(pk=case_id)
    assert (case.state, case.decision_reason) == ("approved", "Passport and address match the register.")
    assert kyc.customer_status(customer_id=customer.pk).tier == 2
    assert page.problems == []  # type: ignore[attr-defined]
