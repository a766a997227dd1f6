"""The review case: every transition, every refusal, and what the customer is told."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from apps.kyc import interface as kyc
from apps.kyc import selectors, services
from apps.kyc.errors import CaseRefused, PartyInvalid
from apps.kyc.models import CaseState, CaseTransition, KycCase
from bankcore.approvals import services as approvals
from bankcore.approvals.models import ApprovalRequest
from bankcore.events.models import OutboxEvent
from bankcore.notifications.models import Notification
from bankcore.users.models import User
from tests.apps.kyc.conftest import NOW, verified_customer
from tests.apps.kyc.document_files import attach_documents
from tests.apps.kyc.factories import case_in_review, person_data

pytestmark = pytest.mark.django_db


def states(case_id: int) -> list[tuple[str, str]]:
    return list(CaseTransition.objects.filter(case_id=case_id).order_by("pk").values_list("from_state", "to_state"))


def events_named(name: str) -> list[dict[str, Any]]:
    return [e.payload for e in OutboxEvent.objects.filter(name=name).order_by("pk")]


class TestOpenAndSubmit:
    def test_open_makes_one_draft_and_opening_again_returns_it(self, customer: User) -> None:
        first = services.case_open(customer_id=customer.pk, now=NOW)
        again = services.case_open(customer_id=customer.pk, now=NOW)
        assert first == again
        assert KycCase.objects.get(pk=first).state == CaseState.DRAFT
        assert states(first) == [("", "draft")]

    def test_the_database_refuses_a_second_active_case(self, customer: User) -> None:
        services.case_open(customer_id=customer.pk, now=NOW)
        with pytest.raises(IntegrityError), transaction.atomic():
            KycCase.objects.create(customer=customer, opened_at=NOW, updated_at=NOW)

    def test_submit_enqueues_screening_after_commit_and_the_case_lands_in_review(
        self, customer: User, django_capture_on_commit_callbacks: Any
    ) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        attach_documents(customer_id=customer.pk, now=NOW)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            case_id = services.case_submit(customer_id=customer.pk, now=NOW)
        assert KycCase.objects.get(pk=case_id).state == CaseState.SUBMITTED  # nothing screened before commit
        for callback in callbacks:
            callback()
        case = KycCase.objects.get(pk=case_id)
        assert case.state == CaseState.IN_REVIEW
        assert case.screening_outcome == "clear"
        assert case.risk_rating == "low"
        assert states(case_id) == [
            ("", "draft"),
            ("draft", "submitted"),
            ("submitted", "screening"),
            ("screening", "in_review"),
        ]

    def test_screening_twice_changes_nothing(self, customer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_screen(case_id=case_id, now=NOW + timedelta(hours=1))
        assert len(states(case_id)) == 4
        assert KycCase.objects.get(pk=case_id).screened_at == NOW

    def test_a_second_submission_while_one_is_under_review_is_refused(self, customer: User) -> None:
        case_in_review(customer.pk, NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_submit(customer_id=customer.pk, now=NOW)
        assert refused.value.code == "already_submitted"
        assert KycCase.objects.filter(customer=customer).count() == 1

    def test_submitting_an_incomplete_profile_names_what_is_missing_and_stores_nothing(self, customer: User) -> None:
        services.party_save(
            customer_id=customer.pk, data={"legal_name": "Erika Mustermann", "nationality": "DE"}, now=NOW, partial=True
        )
        with pytest.raises(PartyInvalid) as refused:
            services.case_submit(customer_id=customer.pk, now=NOW)
        assert {"birth_date", "tax_id", "address_line", "occupation"} <= set(refused.value.errors)
        assert not KycCase.objects.filter(customer=customer).exclude(state=CaseState.DRAFT).exists()

    def test_a_registered_submit_check_can_hold_back_a_submission(self, customer: User) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        attach_documents(customer_id=customer.pk, now=NOW)  # the real documents check passes; this one holds
        services.submit_check_register("test-documents", lambda **_: {"id_document": "upload the front and back"})
        try:
            with pytest.raises(PartyInvalid) as refused:
                services.case_submit(customer_id=customer.pk, now=NOW)
        finally:
            services.cases._submit_checks.pop("test-documents")
        assert refused.value.errors == {"id_document": "upload the front and back"}

    def test_a_verified_customer_has_nothing_to_submit(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="documents match", now=NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_submit(customer_id=customer.pk, now=NOW)
        assert refused.value.code == "already_verified"


class TestApprove:
    def test_approval_verifies_the_customer_sets_the_review_date_and_publishes(
        self, customer: User, officer: User
    ) -> None:
        case_id = case_in_review(customer.pk, NOW)
        outcome = services.case_approve(case_id=case_id, officer_id=officer.pk, reason="documents match", now=NOW)
        assert outcome == services.CaseDecision.APPROVED
        case = KycCase.objects.get(pk=case_id)
        assert (case.state, case.decided_by_id, case.decision_reason) == ("approved", officer.pk, "documents match")
        status = kyc.customer_status(customer_id=customer.pk)
        assert (status.tier, status.risk_rating, status.restricted) == (2, "low", False)
        assert status.approved_at == NOW
        assert status.next_review_date == date(2031, 11, 10)  # low risk: five years
        assert events_named(kyc.CASE_APPROVED) == [{"customer_id": customer.pk, "case_id": case_id, "tier": 2}]
        assert states(case_id)[-1] == ("in_review", "approved")
        assert CaseTransition.objects.filter(case_id=case_id, to_state="approved", actor=officer).exists()

    @pytest.mark.parametrize(
        ("overrides", "rating", "review"),
        [
            ({"occupation": "real_estate", "expected_monthly_volume_minor": 500_000}, "medium", date(2028, 11, 10)),
        ],
    )
    def test_the_review_date_follows_the_risk(
        self, customer: User, officer: User, overrides: dict[str, Any], rating: str, review: date
    ) -> None:
        case_id = case_in_review(customer.pk, NOW, **overrides)
        assert KycCase.objects.get(pk=case_id).risk_rating == rating
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="ok", now=NOW)
        assert kyc.customer_status(customer_id=customer.pk).next_review_date == review

    def test_a_reason_is_mandatory(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_approve(case_id=case_id, officer_id=officer.pk, reason="   ", now=NOW)
        assert refused.value.code == "reason_required"
        assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW

    def test_an_officer_cannot_decide_their_own_case(self, officer: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=officer, email=officer.email, verified=True, primary=True)
        case_id = case_in_review(officer.pk, NOW)
        for decide in (services.case_approve, services.case_reject):
            with pytest.raises(CaseRefused) as refused:
                decide(case_id=case_id, officer_id=officer.pk, reason="it is me", now=NOW)
            assert refused.value.code == "own_case"
        with pytest.raises(CaseRefused):
            services.case_request_info(case_id=case_id, officer_id=officer.pk, message="me", now=NOW)
        assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW
        assert kyc.customer_status(customer_id=officer.pk).tier == 1

    @pytest.mark.parametrize("who", ["customer", "support", "auditor", "inactive officer"])
    def test_someone_who_is_not_a_kyc_officer_cannot_decide(
        self, who: str, customer: User, other_customer: User, support: User, auditor: User, officer: User
    ) -> None:
        decider = {"customer": other_customer, "support": support, "auditor": auditor, "inactive officer": officer}[who]
        if who == "inactive officer":
            User.objects.filter(pk=officer.pk).update(is_active=False)
        case_id = case_in_review(customer.pk, NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_approve(case_id=case_id, officer_id=decider.pk, reason="looks fine", now=NOW)
        assert refused.value.code == "not_authorised"
        assert kyc.customer_status(customer_id=customer.pk).tier == 1

    def test_only_a_case_in_review_can_be_decided(self, customer: User, officer: User) -> None:
        services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
        attach_documents(customer_id=customer.pk, now=NOW)
        case_id = services.case_submit(customer_id=customer.pk, now=NOW)  # submitted, not screened
        with pytest.raises(CaseRefused) as refused:
            services.case_approve(case_id=case_id, officer_id=officer.pk, reason="fast", now=NOW)
        assert refused.value.code == "not_in_review"

    def test_a_decided_case_cannot_be_decided_again(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_reject(case_id=case_id, officer_id=officer.pk, reason="forged passport", now=NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_approve(case_id=case_id, officer_id=officer.pk, reason="changed my mind", now=NOW)
        assert refused.value.code == "not_in_review"
        assert kyc.customer_status(customer_id=customer.pk).tier == 1


class TestHighRiskNeedsTwoOfficers:
    def test_a_pep_is_approved_only_by_a_second_officer(
        self, customer: User, officer: User, second_officer: User
    ) -> None:
        case_id = case_in_review(customer.pk, NOW, pep=True)
        assert KycCase.objects.get(pk=case_id).risk_rating == "high"
        outcome = services.case_approve(case_id=case_id, officer_id=officer.pk, reason="EDD done", now=NOW)
        assert outcome == services.CaseDecision.AWAITING_SECOND_OFFICER
        case = KycCase.objects.get(pk=case_id)
        assert case.state == CaseState.IN_REVIEW
        assert kyc.customer_status(customer_id=customer.pk).tier == 1
        with pytest.raises(CaseRefused) as refused:
            services.case_approve(case_id=case_id, officer_id=second_officer.pk, reason="me too", now=NOW)
        assert refused.value.code == "awaiting_second_officer"
        request_id = case.approval_request_id
        assert request_id is not None
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=officer.pk, now=NOW)
        approvals.approval_approve(request_id=request_id, checker_id=second_officer.pk, now=NOW)
        case.refresh_from_db()
        assert (case.state, case.decided_by_id) == (CaseState.APPROVED, second_officer.pk)
        status = kyc.customer_status(customer_id=customer.pk)
        assert (status.tier, status.risk_rating, status.next_review_date) == (2, "high", date(2027, 11, 10))
        assert "approved by officer" in states_reasons(case_id)[-1]

    def test_the_customer_cannot_be_their_own_second_officer(self, officer: User, second_officer: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=second_officer, email=second_officer.email, verified=True, primary=True)
        case_id = case_in_review(second_officer.pk, NOW, pep=True)
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="EDD done", now=NOW)
        request_id = KycCase.objects.get(pk=case_id).approval_request_id
        with pytest.raises(CaseRefused) as refused:
            approvals.approval_approve(request_id=request_id or 0, checker_id=second_officer.pk, now=NOW)
        assert refused.value.code == "own_case"
        assert ApprovalRequest.objects.get(pk=request_id).status == "pending"
        assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW


def states_reasons(case_id: int) -> list[str]:
    return list(CaseTransition.objects.filter(case_id=case_id).order_by("pk").values_list("reason", flat=True))


class TestRejectAndMoreInfo:
    def test_rejection_publishes_and_keeps_the_tier(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_reject(case_id=case_id, officer_id=officer.pk, reason="document forged", now=NOW)
        case = KycCase.objects.get(pk=case_id)
        assert (case.state, case.decision_reason) == ("rejected", "document forged")
        assert events_named(kyc.CASE_REJECTED) == [{"customer_id": customer.pk, "case_id": case_id}]
        assert kyc.customer_status(customer_id=customer.pk).tier == 1

    def test_after_a_rejection_the_customer_may_start_again(self, customer: User, officer: User) -> None:
        first = case_in_review(customer.pk, NOW)
        services.case_reject(case_id=first, officer_id=officer.pk, reason="blurry", now=NOW)
        attach_documents(customer_id=customer.pk, now=NOW + timedelta(days=1))  # a new case, new evidence
        second = services.case_submit(customer_id=customer.pk, now=NOW + timedelta(days=1))
        assert second != first
        assert KycCase.objects.get(pk=second).state == CaseState.SUBMITTED

    def test_the_needs_more_info_loop(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        with pytest.raises(CaseRefused) as refused:
            services.case_request_info(case_id=case_id, officer_id=officer.pk, message="", now=NOW)
        assert refused.value.code == "message_required"
        services.case_request_info(
            case_id=case_id, officer_id=officer.pk, message="Please upload the back of your ID card.", now=NOW
        )
        case = selectors.case_current(customer_id=customer.pk)
        assert case is not None
        assert (case.state, case.info_request) == (CaseState.NEEDS_MORE_INFO, "Please upload the back of your ID card.")
        told = Notification.objects.filter(customer=customer).order_by("-pk").first()
        assert told is not None
        assert "back of your ID card" in told.body
        again = services.case_submit(customer_id=customer.pk, now=NOW + timedelta(hours=2))
        assert again == case_id
        assert KycCase.objects.get(pk=case_id).state == CaseState.SUBMITTED
        services.case_screen(case_id=case_id, now=NOW + timedelta(hours=2))
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="back side received", now=NOW)
        assert [to for _, to in states(case_id)] == [
            "draft", "submitted", "screening", "in_review", "needs_more_info", "submitted", "screening", "in_review",
            "approved",
        ]  # fmt: skip


class TestTellingTheCustomer:
    def test_every_state_change_the_customer_cares_about_reaches_their_inbox(
        self, customer: User, officer: User
    ) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_request_info(case_id=case_id, officer_id=officer.pk, message="Need a utility bill.", now=NOW)
        services.case_submit(customer_id=customer.pk, now=NOW)
        services.case_screen(case_id=case_id, now=NOW)
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="ok", now=NOW)
        titles = list(Notification.objects.filter(customer=customer).order_by("pk").values_list("title", flat=True))
        assert titles == [
            "Your account is now at tier 1: Basic",
            "We received your verification",
            "Your verification is being reviewed",
            "We need more information",
            "We received your verification",
            "Your verification is being reviewed",
            "Your identity is verified",
            "Your account is now at tier 2: Verified",
        ]


class TestAssign:
    def test_an_officer_takes_a_case_and_a_customer_cannot(
        self, customer: User, other_customer: User, officer: User
    ) -> None:
        case_id = case_in_review(customer.pk, NOW)
        services.case_assign(case_id=case_id, assignee_id=officer.pk, actor_id=officer.pk, now=NOW)
        assert KycCase.objects.get(pk=case_id).assignee_id == officer.pk
        with pytest.raises(CaseRefused):
            services.case_assign(case_id=case_id, assignee_id=other_customer.pk, actor_id=officer.pk, now=NOW)
        with pytest.raises(CaseRefused):
            services.case_assign(case_id=case_id, assignee_id=other_customer.pk, actor_id=other_customer.pk, now=NOW)


class TestSelectors:
    def test_another_customer_gets_nothing_of_a_case(self, customer: User, other_customer: User) -> None:
        case_id = case_in_review(customer.pk, NOW)
        assert selectors.case_for_customer(customer_id=other_customer.pk, case_id=case_id) is None
        assert selectors.case_current(customer_id=other_customer.pk) is None
        assert selectors.case_for_customer(customer_id=customer.pk, case_id=case_id) is not None

    def test_the_queue_is_oldest_first_and_filters(self, officer: User) -> None:
        ids = []
        for n, days in enumerate((3, 10, 1)):
            customer = verified_customer()
            overrides = {"pep": True} if n == 0 else {}
            ids.append(case_in_review(customer.pk, NOW - timedelta(days=days), **overrides))
        assert [c.pk for c in selectors.case_queue()] == [ids[1], ids[0], ids[2]]
        assert [c.pk for c in selectors.case_queue(risk_rating="high")] == [ids[0]]
        assert [c.pk for c in selectors.case_queue(opened_before=NOW - timedelta(days=2))] == [ids[1], ids[0]]
        services.case_assign(case_id=ids[2], assignee_id=officer.pk, actor_id=officer.pk, now=NOW)
        assert [c.pk for c in selectors.case_queue(assignee_id=officer.pk)] == [ids[2]]
