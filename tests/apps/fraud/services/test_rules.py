"""Rule versions: maker-checker activation, retirement, and conditions checked when saved."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.fraud import interface
from apps.fraud.errors import FraudRefused
from apps.fraud.expressions import ConditionInvalid
from apps.fraud.models import RuleVersion
from apps.fraud.services import rules
from bankcore.approvals import services as approvals
from tests.apps.fraud.factories import txn

pytestmark = pytest.mark.django_db


class TestRulesMakerChecker:
    @pytest.fixture
    def analysts(self) -> tuple[int, int]:
        User = get_user_model()
        return (
            User.objects.create_user(email="maker@bank.test", password="x").pk,
            User.objects.create_user(email="checker@bank.test", password="x", is_superuser=True).pk,
        )

    def test_a_draft_goes_live_only_after_a_second_person_approves(self, analysts, now) -> None:
        maker, checker = analysts
        version_id = rules.rule_version_create(
            code="tiny-test", condition="amount_minor == 4242", score=60, description="Test amount", now=now
        )
        assert interface.transaction_decide(txn=txn("m1", "42.42"), now=now).outcome == "allow"
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="test", now=now)
        assert RuleVersion.objects.get(pk=version_id).status == "pending"
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=maker, now=now)
        approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert RuleVersion.objects.get(pk=version_id).status == "active"
        decision = interface.transaction_decide(txn=txn("m2", "42.42"), now=now)
        assert (decision.outcome, [r.code for r in decision.fired]) == ("review", ["tiny-test"])

    def test_the_author_of_a_version_cannot_be_its_checker(self, analysts, now) -> None:
        # Were another analyst to request the activation, the author would be free to approve
        # their own condition: one person would have put a rule live.
        author, other = analysts
        version_id = rules.rule_version_create(
            code="own-rule", condition="amount_minor == 4242", score=60, description="d", now=now, created_by_id=author
        )
        with pytest.raises(FraudRefused) as refused:
            rules.rule_activation_request(version_id=version_id, maker_id=other, reason="r", now=now)
        assert refused.value.code == "author_requests_activation"
        assert RuleVersion.objects.get(pk=version_id).status == "draft"
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=author, reason="r", now=now)
        with pytest.raises(approvals.ApprovalRefused):
            approvals.approval_approve(request_id=request_id, checker_id=author, now=now)

    def test_a_version_retired_while_pending_does_not_go_live_on_the_old_request(self, analysts, now) -> None:
        maker, checker = analysts
        version_id = rules.rule_version_create(
            code="retired-rule", condition="amount_minor == 4242", score=60, description="d", now=now
        )
        request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="r", now=now)
        rules.rule_version_set_status(version_id=version_id, status="retired")
        with pytest.raises(FraudRefused) as refused:
            approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert refused.value.code == "not_pending"
        assert RuleVersion.objects.get(pk=version_id).status == "retired"

    def test_a_new_version_retires_the_old_one(self, analysts, now) -> None:
        maker, checker = analysts
        v1 = rules.rule_version_create(code="r", condition="amount_minor > 1", score=1, description="d", now=now)
        v2 = rules.rule_version_create(code="r", condition="amount_minor > 2", score=2, description="d", now=now)
        for version_id in (v1, v2):
            request_id = rules.rule_activation_request(version_id=version_id, maker_id=maker, reason="r", now=now)
            approvals.approval_approve(request_id=request_id, checker_id=checker, now=now)
        assert dict(RuleVersion.objects.values_list("number", "status")) == {1: "retired", 2: "active"}

    def test_bad_condition_is_refused_at_creation(self, now) -> None:
        with pytest.raises(ConditionInvalid):
            rules.rule_version_create(code="bad", condition="amount >", score=1, description="d", now=now)

    def test_activation_cannot_bypass_approval(self, now) -> None:
        v = rules.rule_version_create(code="r2", condition="amount_minor > 1", score=1, description="d", now=now)
        with pytest.raises(FraudRefused) as refused:
            rules.rule_version_set_status(version_id=v, status="active")
        assert refused.value.code == "activation_needs_approval"
