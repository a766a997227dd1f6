"""The bulk writers store exactly what the ORM would, on both databases, and stay visible to counters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from bankcore import bulk
from bankcore.approvals.models import ApprovalRequest
from bankcore.events.models import OutboxEvent
from tests.bankcore.bulk.factories import AT, ApprovalRequestFactory, OutboxEventFactory
from tests.bankcore.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

COMPARED = ["action", "payload", "payload_hash", "reason", "maker_id", "requested_at", "status", "checker_id",
            "decided_at", "decision_note"]  # fmt: skip


def stored(pk: int) -> dict[str, Any]:
    return ApprovalRequest.objects.filter(pk=pk).values(*COMPARED).get()


def test_inserted_rows_get_their_keys_and_read_back_as_the_orm_writes_them() -> None:
    maker = StaffFactory()
    rows = ApprovalRequestFactory.build_batch(3, maker=maker)
    twin = ApprovalRequestFactory.build(maker=maker)
    twin.save()

    bulk.rows_insert(ApprovalRequest, rows)

    assert all(row.pk for row in rows)
    assert len({row.pk for row in rows} | {twin.pk}) == 4
    for row in rows:
        assert stored(row.pk) == {name: getattr(row, name) for name in COMPARED}
        assert stored(row.pk)["status"] == "pending"  # the choice's value, as a plain string
    # The twin, saved by the ORM, reads back the same way but for its own values.
    assert set(stored(twin.pk)) == set(COMPARED)


def test_appended_rows_without_keys_are_all_stored() -> None:
    rows = OutboxEventFactory.build_batch(5)
    bulk.rows_append(OutboxEvent, rows)
    saved = {str(e.event_id): e.payload for e in OutboxEvent.objects.filter(name="test.bulk")}
    assert saved == {str(row.event_id): row.payload for row in rows}
    assert OutboxEvent.objects.filter(name="test.bulk", status="pending", created_at=AT).count() == 5


def test_history_rows_record_the_state_given_and_the_change() -> None:
    maker = StaffFactory()
    rows = ApprovalRequestFactory.build_batch(2, maker=maker)
    bulk.rows_insert(ApprovalRequest, rows)
    bulk.history_insert(ApprovalRequest, rows, at=AT, change="+")
    checker = StaffFactory()
    for row in rows:
        row.status, row.checker, row.decided_at = ApprovalRequest.Status.APPROVED, checker, AT + timedelta(hours=1)
    bulk.rows_rewrite(ApprovalRequest, rows, ["status", "checker", "decided_at"])
    bulk.history_insert(ApprovalRequest, rows, at=AT + timedelta(hours=1), change="~")

    for row in rows:
        made, changed = row.history.order_by("history_date")
        assert (made.history_type, made.status, made.checker_id, made.history_date) == ("+", "pending", None, AT)
        assert (changed.history_type, changed.status, changed.checker_id) == ("~", "approved", checker.pk)
        assert changed.payload == row.payload
        assert changed.reason == row.reason


def test_a_rewrite_stores_the_fields_named_and_nothing_else_and_runs_twice_in_one_transaction() -> None:
    rows = ApprovalRequestFactory.build_batch(3, maker=StaffFactory())
    bulk.rows_insert(ApprovalRequest, rows)
    with transaction.atomic():
        for row in rows:
            row.decision_note, row.reason = f"note {row.pk}", "changed but not named"
        bulk.rows_rewrite(ApprovalRequest, rows, ["decision_note"])
        rows[0].decision_note = "second pass"
        bulk.rows_rewrite(ApprovalRequest, rows[:1], ["decision_note"])
    notes = dict(ApprovalRequest.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "decision_note"))
    assert notes == {rows[0].pk: "second pass", rows[1].pk: f"note {rows[1].pk}", rows[2].pk: f"note {rows[2].pk}"}
    assert not ApprovalRequest.objects.filter(reason="changed but not named").exists()


def test_a_refused_rewrite_writes_nothing_and_leaves_the_transaction_usable() -> None:
    rows = ApprovalRequestFactory.build_batch(2, maker=StaffFactory())
    bulk.rows_insert(ApprovalRequest, rows)
    with transaction.atomic():
        rows[0].decision_note = "fine"
        # Approved without a checker: the table's check constraint refuses the whole statement.
        rows[1].status = ApprovalRequest.Status.APPROVED
        with pytest.raises(IntegrityError):
            bulk.rows_rewrite(ApprovalRequest, rows, ["decision_note", "status"])
        assert set(
            ApprovalRequest.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", "decision_note")
        ) == {("pending", "")}
        rows[1].status = ApprovalRequest.Status.PENDING
        bulk.rows_rewrite(ApprovalRequest, rows, ["decision_note", "status"])
    assert ApprovalRequest.objects.get(pk=rows[0].pk).decision_note == "fine"


def test_every_statement_passes_the_execute_wrappers() -> None:
    seen: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    rows = ApprovalRequestFactory.build_batch(2, maker=StaffFactory())
    with connection.execute_wrapper(count):
        bulk.rows_insert(ApprovalRequest, rows)
        bulk.history_insert(ApprovalRequest, rows, at=AT, change="+")
    assert any("approvals_approvalrequest" in sql for sql in seen)
    assert any("historicalapprovalrequest" in sql.lower() for sql in seen)
