"""Real threads on PostgreSQL: racing submissions make one case, racing decisions make one decision."""

from __future__ import annotations

import threading

import pytest

from apps.kyc import services
from apps.kyc.errors import CaseRefused
from apps.kyc.models import CaseState, CaseTransition, KycCase
from bankcore.testing.threads import run_concurrently
from tests.apps.kyc.conftest import NOW, staff_in, verified_customer
from tests.apps.kyc.document_files import attach_documents
from tests.apps.kyc.factories import case_in_review, person_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_racing_submissions_make_one_submitted_case() -> None:
    customer = verified_customer()
    services.party_save(customer_id=customer.pk, data=person_data(), now=NOW)
    attach_documents(customer_id=customer.pk, now=NOW)
    start = threading.Barrier(THREADS)
    submitted: list[int] = []
    refused: list[str] = []
    guard = threading.Lock()

    def submit(_: int) -> None:
        start.wait()
        try:
            case_id = services.case_submit(customer_id=customer.pk, now=NOW)
        except CaseRefused as exc:
            with guard:
                refused.append(exc.code)
        else:
            with guard:
                submitted.append(case_id)

    run_concurrently(submit, count=THREADS, barrier=start)
    assert len(submitted) == 1
    assert refused == ["already_submitted"] * (THREADS - 1)
    assert KycCase.objects.filter(customer=customer).count() == 1
    assert CaseTransition.objects.filter(to_state=CaseState.SUBMITTED).count() == 1


def test_two_officers_deciding_at_once_make_one_decision() -> None:
    services.tiers_defaults_ensure()
    officers = [staff_in("KYC officer", f"racer{n}@bank.test") for n in range(2)]
    customer = verified_customer()
    case_id = case_in_review(customer.pk, NOW)
    start = threading.Barrier(2)
    outcomes: list[str] = []
    guard = threading.Lock()

    def decide(n: int) -> None:
        start.wait()
        try:
            if n == 0:
                services.case_approve(case_id=case_id, officer_id=officers[0].pk, reason="fine", now=NOW)
            else:
                services.case_reject(case_id=case_id, officer_id=officers[1].pk, reason="not fine", now=NOW)
        except CaseRefused as exc:
            with guard:
                outcomes.append(exc.code)
        else:
            with guard:
                outcomes.append("decided")

    run_concurrently(decide, count=2, barrier=start)
    assert sorted(outcomes) == ["decided", "not_in_review"]
    decided = CaseTransition.objects.filter(case_id=case_id, to_state__in=[CaseState.APPROVED, CaseState.REJECTED])
    assert decided.count() == 1
