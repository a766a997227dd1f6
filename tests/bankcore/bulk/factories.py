"""Unsaved rows for the bulk writers: maker-checker requests (JSON, choices, foreign keys, history)
and outbox events (a UUID and JSON)."""

from __future__ import annotations

from datetime import UTC, datetime

import factory
from factory.django import DjangoModelFactory

from bankcore.approvals.models import ApprovalRequest
from bankcore.events.models import OutboxEvent
from tests.bankcore.users.factories import StaffFactory

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


class ApprovalRequestFactory(DjangoModelFactory[ApprovalRequest]):
    class Meta:
        model = ApprovalRequest

    action = "test.adjust"
    payload = factory.Sequence(lambda n: {"n": n, "name": "Zoë Ωmega", "nested": {"amount_minor": 1000 + n}})
    payload_hash = factory.Sequence(lambda n: f"{n:064x}")
    reason = factory.Sequence(lambda n: f"reason {n}, with a tab\tand a backslash \\")
    maker = factory.SubFactory(StaffFactory)
    requested_at = AT
    status = ApprovalRequest.Status.PENDING


class OutboxEventFactory(DjangoModelFactory[OutboxEvent]):
    class Meta:
        model = OutboxEvent

    name = "test.bulk"
    payload = factory.Sequence(lambda n: {"n": n, "list": [1, "two", None]})
    created_at = AT
