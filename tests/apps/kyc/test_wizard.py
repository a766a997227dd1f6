"""The onboarding wizard through the real views: each bad input is named on the page and stores
nothing; progress is kept between visits; submit, the request for more information, resubmit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.kyc import documents, wizard
from apps.kyc import services as kyc
from apps.kyc.models import CaseState, Document, KycCase, Party
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from tests.apps.kyc import document_files as files
from tests.apps.kyc.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    settings.KYC_STORAGE_DIR = tmp_path / "kyc"
    return settings.KYC_STORAGE_DIR


@pytest.fixture
def customer() -> User:
    user: User = CustomerFactory()
    return user


@pytest.fixture
def browser(client: Client, customer: User) -> Client:
    login_verified(client, customer)
    return client


@pytest.fixture
def submit(django_capture_on_commit_callbacks: Any) -> Callable[[Client], Any]:
    """POST the review page; the screening task enqueued after commit then runs (eagerly), as a worker would."""

    def post(client: Client) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/app/kyc/review/")

    return post


def adult_birth_date() -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - 30).isoformat()


PERSONAL: dict[str, Any] = {
    "kind": "person",
    "legal_name": "Erika Mustermann",
    "nationality": "DE",
    "phone": "+49 151 23456789",
    "tax_residence": "DE",
    "tax_id": "36574261809",  # a valid German IdNr (python-stdnum's example)
    "occupation": "employee",
    "source_of_funds": "salary",
    "expected_monthly_volume": "2500",
}
ADDRESS = {
    "address_line": "Heidestraße 17",
    "address_postcode": "51147",
    "address_city": "Köln",
    "address_country": "DE",
}


def personal(**changes: Any) -> dict[str, Any]:
    return PERSONAL | {"birth_date": adult_birth_date()} | changes


def jpeg_upload(name: str, **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.jpeg(**kwargs), content_type="image/jpeg")


def complete(client: Client) -> None:
    assert client.post("/app/kyc/personal/", personal()).status_code == 302
    assert client.post("/app/kyc/address/", ADDRESS).status_code == 302
    assert (
        client.post(
            "/app/kyc/id-document/", {"id_front": jpeg_upload("f.jpg"), "id_back": jpeg_upload("b.jpg")}
        ).status_code
        == 302
    )
    assert client.post("/app/kyc/selfie/", {"selfie": jpeg_upload("me.jpg")}).status_code == 302


class TestPersonalStep:
    @pytest.mark.parametrize(
        ("changes", "field_message"),
        [
            ({"legal_name": ""}, "This field is required."),
            ({"birth_date": ""}, "This field is required."),
            ({"birth_date": "2999-01-01"}, "lies in the future"),
            ({"birth_date": "__under18__"}, "at least 18"),
            ({"nationality": "XX"}, "is not an ISO 3166 country code"),
            ({"tax_residence": "ZZ"}, "is not an ISO 3166 country code"),
            ({"tax_id": "12345678901"}, "tax id"),
            ({"phone": "12345"}, "international number"),
        ],
        ids=["no-name", "no-birth-date", "future", "under-18", "country", "tax-country", "tax-id", "phone"],
    )
    def test_bad_input_is_named_on_the_page_and_nothing_is_stored(
        self, browser: Client, changes: dict[str, Any], field_message: str
    ) -> None:
        if changes.get("birth_date") == "__under18__":
            today = timezone.localdate()
            changes = {"birth_date": date(today.year - 17, today.month, min(today.day, 28)).isoformat()}
        response = browser.post("/app/kyc/personal/", personal(**changes))
        assert response.status_code == 200
        html = response.content.decode()
        assert field_message in html
        assert 'role="alert"' in html
        assert not Party.objects.exists()
        assert not KycCase.objects.exists()

    def test_a_good_step_saves_the_party_and_opens_a_draft(self, browser: Client, customer: User) -> None:
        response = browser.post("/app/kyc/personal/", personal())
        assert response.status_code == 302
        assert response["Location"] == "/app/kyc/address/"
        party = Party.objects.get(customer=customer)
        assert party.legal_name == "Erika Mustermann"
        assert party.tax_id_last4 == "1809"
        assert party.expected_monthly_volume_minor == 250_000
        assert KycCase.objects.get(customer=customer).state == CaseState.DRAFT


class TestProgressIsKept:
    def test_coming_back_later_continues_where_the_customer_left(self, browser: Client, customer: User) -> None:
        browser.post("/app/kyc/personal/", personal())
        browser.logout()
        again = Client()
        login_verified(again, customer)
        status = again.get("/app/kyc/").content.decode()
        assert 'href="/app/kyc/address/">Continue' in status
        form = again.get("/app/kyc/personal/").content.decode()
        assert 'value="Erika Mustermann"' in form
        assert "36574261809" not in form  # an identifier is never shown back

    def test_the_dashboard_panel_shows_the_state(self, browser: Client, submit: Callable[[Client], Any]) -> None:
        assert "Not started" in browser.get("/app/").content.decode()
        complete(browser)
        submit(browser)
        dashboard = browser.get("/app/").content.decode()
        assert "Identity verification" in dashboard
        assert "In review" in dashboard or "Submitted" in dashboard


class TestSubmit:
    def test_missing_documents_are_named_and_the_case_stays_a_draft(self, browser: Client, customer: User) -> None:
        browser.post("/app/kyc/personal/", personal())
        browser.post("/app/kyc/address/", ADDRESS)
        response = browser.post("/app/kyc/review/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "ID document, front is missing" in html
        assert "Selfie is missing" in html
        assert KycCase.objects.get(customer=customer).state == CaseState.DRAFT

    def test_submit_then_a_second_submission_is_refused(
        self, browser: Client, customer: User, submit: Callable[[Client], Any]
    ) -> None:
        complete(browser)
        response = submit(browser)
        assert response.status_code == 302
        case = KycCase.objects.get(customer=customer)
        assert case.state == CaseState.IN_REVIEW  # screening ran (eagerly here) and found nothing
        again = submit(browser)
        assert again.status_code == 200
        assert "already with us" in again.content.decode()
        assert KycCase.objects.filter(customer=customer).count() == 1
        # and nothing may be changed while it is under review
        late = browser.post("/app/kyc/selfie/", {"selfie": jpeg_upload("late.jpg")})
        assert late.status_code == 302
        assert Document.objects.filter(kind="selfie").count() == 1
        assert browser.post("/app/kyc/personal/", personal(legal_name="Someone Else")).status_code == 302
        assert Party.objects.get(customer=customer).legal_name == "Erika Mustermann"


def officer() -> User:
    user: User = User.objects.create_user(email="kim@bank.test", password="x-Passw0rd-123", is_staff=True)
    roles.roles_sync()
    roles.user_roles_set(user_id=user.pk, roles=[roles.KYC_OFFICER])
    return user


class TestNeedsMoreInformation:
    def test_the_customer_sees_the_request_answers_it_and_resubmits(
        self, browser: Client, customer: User, submit: Callable[[Client], Any]
    ) -> None:
        complete(browser)
        submit(browser)
        case = KycCase.objects.get(customer=customer)
        kyc.case_request_info(
            case_id=case.pk, officer_id=officer().pk, message="Please send a proof of address.", now=timezone.now()
        )
        status = browser.get("/app/kyc/").content.decode()
        assert "Please send a proof of address." in status
        assert "Needs more information" in status

        bad = browser.post(
            "/app/kyc/extra/",
            {"kind": "proof_of_address", "file": SimpleUploadedFile("bill.pdf", files.pdf_with_javascript())},
        )
        assert "active content" in bad.content.decode()
        assert not Document.objects.filter(kind="proof_of_address").exists()
        good = browser.post(
            "/app/kyc/extra/", {"kind": "proof_of_address", "file": SimpleUploadedFile("bill.pdf", files.pdf())}
        )
        assert good.status_code == 302
        assert Document.objects.get(kind="proof_of_address").media_type == "application/pdf"

        assert submit(browser).status_code == 302
        case.refresh_from_db()
        assert case.state == CaseState.IN_REVIEW
        assert [t.to_state for t in case.transitions.all()][-3:] == ["submitted", "screening", "in_review"]


class TestOnlyTheirOwn:
    def test_every_page_shows_only_the_signed_in_customers_case(self, browser: Client, customer: User) -> None:
        complete(browser)
        other = Client()
        login_verified(other, CustomerFactory())
        for url in ("/app/kyc/", "/app/kyc/review/", "/app/kyc/personal/", "/app/kyc/address/"):
            page = other.get(url).content.decode()
            assert "Erika Mustermann" not in page
            assert "Heidestraße" not in page
        for case_id in range(1, KycCase.objects.order_by("-pk").values_list("pk", flat=True).first() + 3):  # type: ignore[operator]
            # the back office's case pages are staff-only: a customer is sent to sign in there
            assert other.get(f"/admin/kyc/kyccase/{case_id}/change/").status_code == 302

    def test_anonymous_is_sent_to_sign_in_everywhere(self, client: Client) -> None:
        for url in (
            "/app/kyc/",
            "/app/kyc/personal/",
            "/app/kyc/id-document/",
            "/app/kyc/review/",
            "/app/kyc/documents/1/",
        ):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")


class TestBusiness:
    def test_a_business_gives_its_company_owners_and_register_extract(
        self, browser: Client, customer: User, submit: Callable[[Client], Any]
    ) -> None:
        business = personal(
            kind="business",
            tax_id="",
            occupation="company_director",
            source_of_funds="business_income",
            company_name="Acme Handels GmbH",
        )
        assert browser.post("/app/kyc/personal/", business)["Location"] == "/app/kyc/address/"
        assert browser.post("/app/kyc/address/", ADDRESS)["Location"] == "/app/kyc/company/"
        bad = browser.post(
            "/app/kyc/company/",
            {"company_name": "Acme Handels GmbH", "registration_number": "Aachen HRB 44123", "company_country": "XX",
             "tax_id": "DE136695976"},
        )  # fmt: skip
        assert "is not an ISO 3166 country code" in bad.content.decode()
        company = {"company_name": "Acme Handels GmbH", "registration_number": "Aachen HRB 44123",
                   "company_country": "DE", "tax_id": "DE136695976"}  # fmt: skip
        assert browser.post("/app/kyc/company/", company)["Location"] == "/app/kyc/owners/"
        owner = {"name": "Max Mustermann", "birth_date": "1970-06-15", "nationality": "DE", "ownership_percent": "60"}
        assert browser.post("/app/kyc/owners/", owner).status_code == 302
        assert "Max Mustermann" in browser.get("/app/kyc/owners/").content.decode()
        extract = {"company_registration": SimpleUploadedFile("hrb.pdf", files.pdf())}
        assert browser.post("/app/kyc/company-document/", extract)["Location"] == "/app/kyc/id-document/"
        browser.post("/app/kyc/id-document/", {"id_front": jpeg_upload("f.jpg"), "id_back": jpeg_upload("b.jpg")})
        browser.post("/app/kyc/selfie/", {"selfie": jpeg_upload("me.jpg")})
        assert submit(browser).status_code == 302
        party = Party.objects.get(customer=customer)
        assert (party.kind, party.company_name, party.tax_id_last4) == ("business", "Acme Handels GmbH", "5976")
        assert KycCase.objects.get(customer=customer).state == CaseState.IN_REVIEW


class TestLockedWhileWithTheBank:
    def test_the_services_refuse_changes_while_the_case_is_in_review(
        self, browser: Client, customer: User, submit: Callable[[Client], Any]
    ) -> None:
        complete(browser)
        submit(browser)
        with pytest.raises(documents.DocumentRefused) as refused:
            wizard.party_update(customer_id=customer.pk, data={"address_city": "Bonn"}, now=timezone.now())
        assert refused.value.code == "case_not_editable"
        assert Party.objects.get(customer=customer).address_city == "Köln"
