"""The KYC back office: the queue, the case page, decisions, reveals; who may see and do what."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.kyc import services
from apps.kyc.models import CaseState, KycCase, Party, SensitiveAccess
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW, verified_customer
from tests.apps.kyc.factories import case_in_review

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/kyc/kyccase/",
    "/admin/kyc/kyccase/{case}/change/",
    "/admin/kyc/kyccase/{case}/history/",
    "/admin/kyc/kyccase/{case}/reveal/tax_id/",
    "/admin/kyc/casetransition/",
    "/admin/kyc/party/",
    "/admin/kyc/party/{party}/change/",
    "/admin/kyc/beneficialowner/",
    "/admin/kyc/sensitiveaccess/",
    "/admin/kyc/tier/",
    "/admin/kyc/limit/",
    "/admin/kyc/customerkyc/",
    "/admin/kyc/usagebucket/",
]


@pytest.fixture
def case(customer: User) -> KycCase:
    return KycCase.objects.get(pk=case_in_review(customer.pk, NOW, owners=1))


def urls(case: KycCase) -> list[str]:
    party = Party.objects.get(customer_id=case.customer_id)
    return [page.format(case=case.pk, party=party.pk) for page in PAGES]


class TestWhoGetsIn:
    def test_an_officer_and_an_auditor_read_every_page(
        self, client: Client, case: KycCase, officer: User, auditor: User
    ) -> None:
        for staff in (officer, auditor):
            login_verified(client, staff)
            for url in urls(case):
                assert client.get(url).status_code == 200, (staff, url)

    def test_staff_without_the_kyc_role_is_refused_everywhere(
        self, client: Client, case: KycCase, support: User
    ) -> None:
        login_verified(client, support)
        for url in urls(case):
            assert client.get(url).status_code == 403, url
        response = client.post(f"/admin/kyc/kyccase/{case.pk}/decide/", {"decision": "approve", "reason": "x"})
        assert response.status_code == 403
        assert KycCase.objects.get(pk=case.pk).state == CaseState.IN_REVIEW

    def test_a_customer_is_sent_to_the_login_page_everywhere(
        self, client: Client, case: KycCase, other_customer: User
    ) -> None:
        login_verified(client, other_customer)
        for url in [*urls(case), f"/admin/kyc/kyccase/{case.pk}/decide/"]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert "/admin/login/" in response["Location"]

    def test_the_case_customer_is_sent_to_the_login_page_too(self, client: Client, case: KycCase) -> None:
        login_verified(client, User.objects.get(pk=case.customer_id))
        response = client.get(f"/admin/kyc/kyccase/{case.pk}/change/")
        assert response.status_code == 302


class TestTheQueueAndTheCasePage:
    def test_the_queue_lists_oldest_first_and_filters(self, client: Client, officer: User) -> None:
        from datetime import timedelta

        new = case_in_review(verified_customer().pk, NOW)
        old = case_in_review(verified_customer().pk, NOW - timedelta(days=9), pep=True)
        login_verified(client, officer)
        page = client.get("/admin/kyc/kyccase/").content.decode()
        assert page.index(f"/admin/kyc/kyccase/{old}/change/") < page.index(f"/admin/kyc/kyccase/{new}/change/")
        high = client.get("/admin/kyc/kyccase/?risk_rating__exact=high").content.decode()
        assert f"/admin/kyc/kyccase/{old}/change/" in high
        assert f"/admin/kyc/kyccase/{new}/change/" not in high
        for query in (
            "state__exact=in_review",
            "age=7",
            f"assignee__id__exact={officer.pk}",
            "reason_opened__exact=onboarding",
        ):
            assert client.get(f"/admin/kyc/kyccase/?{query}").status_code == 200

    def test_the_case_page_shows_everything_with_identifiers_masked(
        self, client: Client, case: KycCase, officer: User
    ) -> None:
        login_verified(client, officer)
        page = client.get(f"/admin/kyc/kyccase/{case.pk}/change/").content.decode()
        assert "Acme Handels GmbH" in page
        assert "•••• 5976" in page  # the VAT number, masked
        assert "136695976" not in page
        assert "T22000129" not in page
        assert "Owner Number0" in page  # beneficial owner
        assert "business customer" in page  # a risk factor
        assert "screening" in page  # a transition
        assert 'name="decision"' in page
        party_page = client.get(f"/admin/kyc/party/{Party.objects.get(customer_id=case.customer_id).pk}/change/")
        assert "136695976" not in party_page.content.decode()

    def test_the_auditor_sees_no_decision_form_and_no_action(
        self, client: Client, case: KycCase, auditor: User
    ) -> None:
        login_verified(client, auditor)
        page = client.get(f"/admin/kyc/kyccase/{case.pk}/change/").content.decode()
        assert 'name="decision"' not in page
        assert "assign_to_me" not in client.get("/admin/kyc/kyccase/").content.decode()
        response = client.post(f"/admin/kyc/kyccase/{case.pk}/decide/", {"decision": "approve", "reason": "fine"})
        assert response.status_code == 403
        client.post(f"/admin/kyc/kyccase/{case.pk}/change/", {"state": "approved"})
        client.post("/admin/kyc/kyccase/", {"action": "assign_to_me", "_selected_action": [case.pk]})
        case.refresh_from_db()
        assert (case.state, case.assignee_id) == (CaseState.IN_REVIEW, None)


class TestDecisions:
    def test_an_officer_approves_with_a_reason(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        response = client.post(
            f"/admin/kyc/kyccase/{case.pk}/decide/", {"decision": "approve", "reason": "register extract matches"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert (case.state, case.decision_reason, case.decided_by_id) == (
            "approved",
            "register extract matches",
            officer.pk,
        )

    def test_no_reason_no_decision(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        response = client.post(
            f"/admin/kyc/kyccase/{case.pk}/decide/", {"decision": "reject", "reason": "  "}, follow=True
        )
        assert "Nothing decided" in response.content.decode()
        assert KycCase.objects.get(pk=case.pk).state == CaseState.IN_REVIEW

    def test_a_request_for_information_carries_the_message(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        client.post(
            f"/admin/kyc/kyccase/{case.pk}/decide/",
            {"decision": "request_info", "reason": "Send the shareholder list."},
        )
        case.refresh_from_db()
        assert (case.state, case.info_request) == (CaseState.NEEDS_MORE_INFO, "Send the shareholder list.")

    def test_an_officer_deciding_their_own_case_is_refused_with_a_message(self, client: Client, officer: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
        own = case_in_review(officer.pk, NOW)
        login_verified(client, officer)
        response = client.post(
            f"/admin/kyc/kyccase/{own}/decide/", {"decision": "approve", "reason": "me"}, follow=True
        )
        assert "cannot decide their own case" in response.content.decode()
        assert KycCase.objects.get(pk=own).state == CaseState.IN_REVIEW

    def test_a_high_risk_approval_says_it_waits_for_a_second_officer(self, client: Client, officer: User) -> None:
        high = case_in_review(verified_customer().pk, NOW, pep=True)
        login_verified(client, officer)
        response = client.post(
            f"/admin/kyc/kyccase/{high}/decide/", {"decision": "approve", "reason": "EDD"}, follow=True
        )
        assert "waits for a second officer" in response.content.decode()
        assert KycCase.objects.get(pk=high).state == CaseState.IN_REVIEW

    def test_assign_to_me(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        client.post("/admin/kyc/kyccase/", {"action": "assign_to_me", "_selected_action": [case.pk]})
        assert KycCase.objects.get(pk=case.pk).assignee_id == officer.pk


class TestReveal:
    def test_a_reveal_needs_a_reason_and_is_logged(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        url = f"/admin/kyc/kyccase/{case.pk}/reveal/tax_id/"
        assert "136695976" not in client.get(url).content.decode()
        assert "136695976" not in client.post(url, {"reason": ""}).content.decode()
        assert not SensitiveAccess.objects.exists()
        shown = client.post(url, {"reason": "matching against the register extract"}).content.decode()
        assert "136695976" in shown
        access = SensitiveAccess.objects.get()
        party = Party.objects.get(customer_id=case.customer_id)
        assert (access.staff_id, access.subject, access.object_id) == (officer.pk, "party.tax_id", party.pk)
        assert access.reason == "matching against the register extract"

    def test_an_auditor_may_reveal_and_is_logged_too(self, client: Client, case: KycCase, auditor: User) -> None:
        login_verified(client, auditor)
        shown = client.post(f"/admin/kyc/kyccase/{case.pk}/reveal/national_id/", {"reason": "annual audit sample"})
        assert "T22000129" in shown.content.decode()
        assert SensitiveAccess.objects.get().staff_id == auditor.pk

    def test_an_unknown_field_or_case_is_404(self, client: Client, case: KycCase, officer: User) -> None:
        login_verified(client, officer)
        assert client.get(f"/admin/kyc/kyccase/{case.pk}/reveal/legal_name/").status_code == 404
        assert client.get(f"/admin/kyc/kyccase/{case.pk + 999}/reveal/tax_id/").status_code == 404

    def test_the_service_refuses_staff_without_the_permission(self, case: KycCase, support: User) -> None:
        from apps.kyc.errors import AccessRefused

        party = Party.objects.get(customer_id=case.customer_id)
        with pytest.raises(AccessRefused):
            services.party_identifier_reveal(
                party_id=party.pk, field="tax_id", staff_id=support.pk, reason="curious", now=NOW
            )
        with pytest.raises(AccessRefused):
            services.sensitive_access_record(
                staff_id=case.customer_id, subject="document", object_id=1, reason="mine", now=NOW
            )
        assert not SensitiveAccess.objects.exists()
