"""Screening against the real OFAC list at onboarding, and a hit found later, after a list update."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from apps.fraud import interface as fraud
from apps.fraud.services import sanctions
from apps.kyc import interface as kyc
from apps.kyc import services
from apps.kyc.errors import CaseRefused
from apps.kyc.models import CaseReason, CaseState, KycCase
from bankcore.approvals import services as approvals
from bankcore.events.models import OutboxEvent
from bankcore.events.services import outbox_relay
from bankcore.money import Money
from bankcore.users.models import User
from tests.apps.fraud.conftest import write_list
from tests.apps.kyc.conftest import NOW
from tests.apps.kyc.factories import case_in_review

pytestmark = pytest.mark.django_db


def relay_all() -> None:
    while outbox_relay(now=NOW + timedelta(minutes=5)):
        pass


@pytest.mark.usefixtures("ofac")
class TestOnboardingOnTheRealList:
    def test_a_listed_name_lands_in_review_with_the_hit_and_one_officer_cannot_approve(
        self, customer: User, officer: User, second_officer: User
    ) -> None:
        case_id = case_in_review(
            customer.pk, NOW, legal_name="Ayman al-Zawahiri", birth_date="1951-06-19", nationality="EG"
        )
        case = KycCase.objects.get(pk=case_id)
        assert (case.state, case.screening_outcome, case.risk_rating) == (CaseState.IN_REVIEW, "hit", "high")
        (entry,) = case.screening_matches
        listed = entry["matches"][0]
        assert entry["who"] == "customer"
        assert entry["alert_id"] is not None  # the fraud analysts see it too
        assert (listed["source"], listed["listed_name"]) == ("ofac", "AL ZAWAHIRI, Dr. Ayman")
        assert "SDGT" in listed["program"]
        assert "screening_hit" in [reason["code"] for reason in case.risk_reasons]

        assert (
            services.case_approve(case_id=case_id, officer_id=officer.pk, reason="false positive?", now=NOW)
            == services.CaseDecision.AWAITING_SECOND_OFFICER
        )
        assert kyc.customer_status(customer_id=customer.pk).tier < 2
        case.refresh_from_db()
        with pytest.raises(approvals.ApprovalRefused) as refused:
            approvals.approval_approve(request_id=case.approval_request_id or 0, checker_id=officer.pk, now=NOW)
        assert refused.value.code == "maker_cannot_approve"
        assert KycCase.objects.get(pk=case_id).state == CaseState.IN_REVIEW

    def test_a_listed_beneficial_owner_is_a_hit_of_the_business(self, customer: User, officer: User) -> None:
        case_id = case_in_review(customer.pk, NOW, owners=1)
        services.owner_add(
            customer_id=customer.pk, name="Usama bin Ladin", birth_date="1957-03-10", nationality="SA",
            ownership_percent="30", now=NOW,
        )  # fmt: skip
        # Owners are screened with the case: a new owner means a new round.
        case = KycCase.objects.get(pk=case_id)
        assert case.screening_outcome == "clear"
        services.case_request_info(case_id=case_id, officer_id=officer.pk, message="second owner?", now=NOW)
        services.case_submit(customer_id=customer.pk, now=NOW)
        services.case_screen(case_id=case_id, now=NOW)
        case.refresh_from_db()
        hits = [entry for entry in case.screening_matches if entry["matches"]]
        assert [entry["name"] for entry in hits] == ["Usama bin Ladin"]
        assert hits[0]["who"].startswith("owner:")
        assert case.risk_rating == "high"

    def test_a_clean_name_is_clear(self, customer: User) -> None:
        case = KycCase.objects.get(pk=case_in_review(customer.pk, NOW))
        assert (case.screening_outcome, case.risk_rating) == ("clear", "low")
        assert case.screening_matches[0]["matches"] == []


ROW = '{id},"{name}",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'


def listing(folder: Path, entry: int) -> Path:
    """A list update that names the customer (OFAC's format: every list has aliases and addresses)."""
    return write_list(
        folder,
        sdn=ROW.format(id=entry, name="QUACKENBUSH, Hieronymus"),
        alt=f'{entry},900,"aka","QUACKENBUSH, Hiero",-0- \n',
        add=f'{entry},900,-0- ,"Havana","Cuba",-0- \n',
    )


@pytest.mark.usefixtures("no_list")
class TestALaterHit:
    def test_a_list_update_naming_an_approved_customer_restricts_them_and_reopens_the_case(
        self, customer: User, officer: User, tmp_path: Path
    ) -> None:
        case_id = case_in_review(customer.pk, NOW, legal_name="Hieronymus Quackenbush")
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="clean", now=NOW)
        relay_all()
        assert kyc.customer_status(customer_id=customer.pk).restricted is False

        listed = listing(tmp_path, 9001)
        sanctions.sanctions_import(source="ofac", directory=listed, now=NOW + timedelta(days=30))
        relay_all()  # the list update re-screens everyone; the hit's alert reaches KYC's handler

        status = kyc.customer_status(customer_id=customer.pk)
        assert status.restricted is True
        assert status.tier == 2  # still verified, but no money moves (limits refuse a restricted customer)
        reopened = KycCase.objects.exclude(pk=case_id).get(customer=customer)
        assert (reopened.state, reopened.reason_opened) == (CaseState.IN_REVIEW, CaseReason.SANCTIONS_HIT)
        assert reopened.screening_outcome == "hit"
        assert reopened.screening_matches[0]["matches"][0]["listed_name"] == "QUACKENBUSH, Hieronymus"
        assert reopened.risk_rating == "high"
        with pytest.raises(kyc.LimitExceeded) as refused:
            kyc.limits_check(customer_id=customer.pk, kind="payment_out", amount=Money(100, "EUR"), now=NOW)
        assert refused.value.code == "customer_restricted"

        # The same event again (a redelivery) changes nothing.
        alert_events = OutboxEvent.objects.filter(name=fraud.ALERT_OPENED)
        for event in alert_events:
            services.on_fraud_alert_opened(str(event.event_id), event.payload)
        assert KycCase.objects.filter(customer=customer).count() == 2

    def test_a_hit_before_approval_leaves_the_customer_to_their_onboarding_case(
        self, customer: User, tmp_path: Path
    ) -> None:
        listed = listing(tmp_path, 9002)
        sanctions.sanctions_import(source="ofac", directory=listed, now=NOW)
        relay_all()
        case_id = case_in_review(customer.pk, NOW, legal_name="Hieronymus Quackenbush")
        relay_all()
        assert KycCase.objects.filter(customer=customer).count() == 1
        assert KycCase.objects.get(pk=case_id).screening_outcome == "hit"
        assert kyc.customer_status(customer_id=customer.pk).restricted is False

    def test_approving_the_reopened_case_lifts_the_restriction(
        self, customer: User, officer: User, second_officer: User, tmp_path: Path
    ) -> None:
        case_id = case_in_review(customer.pk, NOW, legal_name="Hieronymus Quackenbush")
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="clean", now=NOW)
        sanctions.sanctions_import(
            source="ofac",
            directory=listing(tmp_path, 9003),
            now=NOW,
        )
        relay_all()
        reopened = KycCase.objects.exclude(pk=case_id).get(customer=customer)
        services.case_approve(case_id=reopened.pk, officer_id=officer.pk, reason="different person: DOB", now=NOW)
        reopened.refresh_from_db()
        approvals.approval_approve(request_id=reopened.approval_request_id or 0, checker_id=second_officer.pk, now=NOW)
        status = kyc.customer_status(customer_id=customer.pk)
        assert (status.restricted, status.risk_rating) == (False, "high")

    def test_rejecting_the_reopened_case_keeps_the_customer_restricted(
        self, customer: User, officer: User, tmp_path: Path
    ) -> None:
        case_id = case_in_review(customer.pk, NOW, legal_name="Hieronymus Quackenbush")
        services.case_approve(case_id=case_id, officer_id=officer.pk, reason="clean", now=NOW)
        sanctions.sanctions_import(
            source="ofac",
            directory=listing(tmp_path, 9004),
            now=NOW,
        )
        relay_all()
        reopened = KycCase.objects.exclude(pk=case_id).get(customer=customer)
        services.case_reject(case_id=reopened.pk, officer_id=officer.pk, reason="true match", now=NOW)
        assert kyc.customer_status(customer_id=customer.pk).restricted is True
        with pytest.raises(CaseRefused):
            services.case_approve(case_id=reopened.pk, officer_id=officer.pk, reason="oops", now=NOW)
