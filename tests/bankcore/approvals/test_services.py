"""Maker-checker: the maker never decides, duplicates wait their turn, decisions are audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from bankcore.approvals import registry
from bankcore.approvals.models import ApprovalRequest
from bankcore.approvals.services import ApprovalRefused, approval_approve, approval_reject, approval_request
from bankcore.errors import DomainError
from bankcore.users.models import AuditEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def performed() -> Iterator[list[dict[str, Any]]]:
    done: list[dict[str, Any]] = []
    registry.register_action("test.adjust", lambda payload, *, now: done.append(payload))
    yield done
    registry.unregister_action("test.adjust")


@pytest.fixture
def maker() -> User:
    return User.objects.create_user(email="maker@bank.test", password="x", is_staff=True)


def with_decide_permission(user: User) -> User:
    user.user_permissions.add(Permission.objects.get(codename="decide_approvalrequest"))
    return User.objects.get(pk=user.pk)  # fresh instance: permissions are cached per object


@pytest.fixture
def checker() -> User:
    return with_decide_permission(User.objects.create_user(email="checker@bank.test", password="x", is_staff=True))


PAYLOAD = {"account_id": 7, "amount_minor": 1250, "currency": "EUR"}


def ask(maker: User, now: datetime, payload: dict[str, Any] = PAYLOAD) -> int:
    return approval_request(action="test.adjust", payload=payload, maker_id=maker.pk, reason="refund", now=now)


class TestApprovalRequest:
    def test_records_who_what_and_why(self, performed: list[Any], maker: User, now: datetime) -> None:
        request = ApprovalRequest.objects.get(pk=ask(maker, now))
        assert (request.maker_id, request.reason, request.status) == (maker.pk, "refund", "pending")
        assert len(request.payload_hash) == 64
        assert performed == []  # nothing happens before a checker approves
        assert AuditEvent.objects.filter(kind="approval_requested", user=maker).count() == 1

    def test_hash_ignores_key_order(self, performed: list[Any], maker: User, now: datetime) -> None:
        first = ApprovalRequest.objects.get(pk=ask(maker, now))
        reordered = dict(reversed(list(PAYLOAD.items())))
        with pytest.raises(ApprovalRefused) as refused:
            ask(maker, now, reordered)
        assert refused.value.code == "duplicate_pending"
        assert first.payload_hash == ApprovalRequest.objects.get().payload_hash

    def test_duplicate_pending_refused_even_from_someone_else(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        ask(maker, now)
        with pytest.raises(ApprovalRefused) as refused:
            ask(checker, now)
        assert refused.value.code == "duplicate_pending"
        assert ApprovalRequest.objects.count() == 1

    def test_same_payload_may_be_asked_again_once_decided(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        approval_reject(request_id=ask(maker, now), checker_id=checker.pk, now=now)
        assert ask(maker, now)
        assert ApprovalRequest.objects.count() == 2

    def test_other_payload_is_another_request(self, performed: list[Any], maker: User, now: datetime) -> None:
        ask(maker, now)
        ask(maker, now, {**PAYLOAD, "amount_minor": 1251})
        assert ApprovalRequest.objects.count() == 2

    @pytest.mark.parametrize(
        ("action", "reason", "payload", "code"),
        [
            ("no.such.action", "why", PAYLOAD, "unknown_action"),
            ("test.adjust", "   ", PAYLOAD, "reason_required"),
            ("test.adjust", "why", {"when": object()}, "invalid_payload"),
        ],
    )
    def test_bad_requests_write_nothing(
        self, performed: list[Any], maker: User, now: datetime, action: str, reason: str, payload: Any, code: str
    ) -> None:
        with pytest.raises(ApprovalRefused) as refused:
            approval_request(action=action, payload=payload, maker_id=maker.pk, reason=reason, now=now)
        assert refused.value.code == code
        assert not ApprovalRequest.objects.exists()
        assert not AuditEvent.objects.exists()


class TestApprovalDecide:
    def test_maker_cannot_approve_own_request(self, performed: list[Any], maker: User, now: datetime) -> None:
        request_id = ask(maker, now)
        with pytest.raises(ApprovalRefused) as refused:
            approval_approve(request_id=request_id, checker_id=maker.pk, now=now)
        assert refused.value.code == "maker_cannot_approve"
        assert performed == []
        assert ApprovalRequest.objects.get().status == "pending"

    def test_maker_cannot_reject_own_request(self, performed: list[Any], maker: User, now: datetime) -> None:
        with pytest.raises(ApprovalRefused) as refused:
            approval_reject(request_id=ask(maker, now), checker_id=maker.pk, now=now)
        assert refused.value.code == "maker_cannot_approve"

    def test_checker_approval_runs_the_action_with_the_payload(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        request_id = ask(maker, now)
        approval_approve(request_id=request_id, checker_id=checker.pk, now=now, note="ok")
        assert performed == [PAYLOAD]
        request = ApprovalRequest.objects.get()
        assert (request.status, request.checker_id, request.decided_at, request.decision_note) == (
            "approved",
            checker.pk,
            now,
            "ok",
        )
        event = AuditEvent.objects.get(kind="approval_approved")
        assert event.user_id == checker.pk
        assert event.details["payload_hash"] == request.payload_hash
        assert request.history.count() == 2  # created, then decided

    def test_rejection_never_runs_the_action(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        approval_reject(request_id=ask(maker, now), checker_id=checker.pk, now=now, note="no")
        assert performed == []
        assert AuditEvent.objects.filter(kind="approval_rejected", user=checker).exists()

    @pytest.mark.parametrize("first", [approval_approve, approval_reject])
    @pytest.mark.parametrize("second", [approval_approve, approval_reject])
    def test_decided_request_cannot_be_decided_again(
        self, performed: list[Any], maker: User, checker: User, now: datetime, first: Any, second: Any
    ) -> None:
        request_id = ask(maker, now)
        first(request_id=request_id, checker_id=checker.pk, now=now)
        with pytest.raises(ApprovalRefused) as refused:
            second(request_id=request_id, checker_id=checker.pk, now=now)
        assert refused.value.code == "not_pending"
        assert len(performed) <= 1

    def test_failing_action_leaves_request_pending(self, maker: User, checker: User, now: datetime) -> None:
        def refuse(payload: dict[str, Any], *, now: datetime) -> None:
            raise DomainError("account closed", code="account_closed")

        registry.register_action("test.fail", refuse)
        try:
            request_id = approval_request(action="test.fail", payload={}, maker_id=maker.pk, reason="r", now=now)
            with pytest.raises(DomainError):
                approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        finally:
            registry.unregister_action("test.fail")
        assert ApprovalRequest.objects.get().status == "pending"
        assert not AuditEvent.objects.filter(kind="approval_approved").exists()

    def test_a_payload_edited_after_the_request_is_never_run(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        # The checker approves the hash that was recorded; rows changed behind the service's back
        # (a console, a migration gone wrong) must not run with someone else's numbers.
        request_id = ask(maker, now)
        ApprovalRequest.objects.filter(pk=request_id).update(payload={**PAYLOAD, "amount_minor": 999999})
        with pytest.raises(ApprovalRefused) as refused:
            approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        assert refused.value.code == "payload_tampered"
        assert performed == []
        assert ApprovalRequest.objects.get(pk=request_id).status == "pending"

    def test_unknown_request(self, checker: User, now: datetime) -> None:
        with pytest.raises(ApprovalRefused) as refused:
            approval_approve(request_id=999, checker_id=checker.pk, now=now)
        assert refused.value.code == "not_found"


class TestWhoMayDecide:
    @pytest.mark.parametrize("decide", [approval_approve, approval_reject])
    def test_staff_without_the_decide_permission_is_refused(
        self, performed: list[Any], maker: User, now: datetime, decide: Any
    ) -> None:
        bystander = User.objects.create_user(email="bystander@bank.test", password="x", is_staff=True)
        request_id = ask(maker, now)
        with pytest.raises(ApprovalRefused) as refused:
            decide(request_id=request_id, checker_id=bystander.pk, now=now)
        assert refused.value.code == "not_authorised"
        assert ApprovalRequest.objects.get(pk=request_id).status == "pending"
        assert performed == []

    def test_a_deactivated_checker_is_refused(
        self, performed: list[Any], maker: User, checker: User, now: datetime
    ) -> None:
        request_id = ask(maker, now)
        User.objects.filter(pk=checker.pk).update(is_active=False)
        with pytest.raises(ApprovalRefused) as refused:
            approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
        assert refused.value.code == "not_authorised"


class TestMakerWithThePermission:
    @pytest.mark.parametrize("decide", [approval_approve, approval_reject])
    def test_a_maker_who_may_decide_still_cannot_decide_their_own(
        self, performed: list[Any], now: datetime, decide: Any
    ) -> None:
        maker = with_decide_permission(User.objects.create_user(email="both@bank.test", password="x", is_staff=True))
        assert maker.has_perm("approvals.decide_approvalrequest")
        request_id = ask(maker, now)
        with pytest.raises(ApprovalRefused) as refused:
            decide(request_id=request_id, checker_id=maker.pk, now=now)
        assert refused.value.code == "maker_cannot_approve"
        assert ApprovalRequest.objects.get(pk=request_id).status == "pending"
        assert performed == []


def test_the_handler_receives_the_moment_of_approval(maker: User, checker: User, now: datetime) -> None:
    seen: list[datetime] = []
    registry.register_action("test.when", lambda payload, *, now: seen.append(now))
    try:
        request_id = approval_request(action="test.when", payload={}, maker_id=maker.pk, reason="r", now=now)
        approval_approve(request_id=request_id, checker_id=checker.pk, now=now)
    finally:
        registry.unregister_action("test.when")
    assert seen == [now]
