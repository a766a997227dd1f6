"""Bulk payouts are paid set-based: a chunk costs a fixed number of statements, whatever its lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection

from apps.payments.models import BatchStatus, LineStatus, Payment, PaymentEvent
from apps.payments.services import batches
from bankcore.events.models import OutboxEvent
from bankcore.ledger.models import Hold
from tests.apps.payments.batch_factories import Row, business, upload
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, OTHER_EXTERNAL_IBAN, payer

LINES = 2000
# The fraud decisions too are taken for the chunk at once (their velocity features counted
# forward in memory): 65 statements a chunk on Postgres when measured.
PER_CHUNK = 80
# On SQLite the ledger posts and holds through the ORM (no server-side function), a few more a chunk.
SQLITE_PER_CHUNK = 250


@pytest.mark.django_db
def test_a_mixed_file_executes_with_a_bounded_number_of_statements(
    now: datetime, django_capture_on_commit_callbacks: Any
) -> None:
    acme = business(balance="100000.00")
    bob = payer(balance="0.00", full_name="Bob Builder")
    carol = payer(balance="0.00", full_name="Carol Jones")
    payees = [
        Row("Bob Builder", bob.account.iban, "1.00"),
        Row("Carol Jones", carol.account.iban, "2.00"),
        Row(EXTERNAL_NAME, EXTERNAL_IBAN, "3.00"),
        Row("Other Supplier", OTHER_EXTERNAL_IBAN, "4.00"),
        Row(EXTERNAL_NAME, EXTERNAL_IBAN, "5.00", execution_date="2026-11-20"),  # future: held until its day
    ]
    rows = [payees[n % len(payees)] for n in range(LINES)]
    with django_capture_on_commit_callbacks(execute=False):
        batch = upload(acme, rows, partner_id=1, now=now)
    batches.batch_validate(batch_id=batch.pk, now=now)
    events_before = OutboxEvent.objects.count()

    statements = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: that one keeps only the last 9,000 statements.
    with connection.execute_wrapper(count):
        status = batches.batch_execute(batch_id=batch.pk, now=now)

    assert status == BatchStatus.COMPLETED
    chunks = -(-LINES // batches.CHUNK)
    per_chunk = SQLITE_PER_CHUNK if connection.vendor == "sqlite" else PER_CHUNK
    assert len(statements) < per_chunk * chunks, len(statements)
    # Every line still went its single payment's way: a payment, its timeline, its events, its money.
    payments = Payment.objects.filter(customer_id=acme.id)
    assert payments.count() == LINES
    assert payments.filter(status="settled").count() == 2 * LINES // 5
    assert payments.filter(status="accepted").count() == 3 * LINES // 5
    assert Hold.objects.filter(account_id=acme.account.ledger_account_id, status="active").count() == 3 * LINES // 5
    internal = payments.filter(status="settled").first()
    assert internal is not None
    assert list(internal.timeline.values_list("to_status", flat=True)) == [
        "awaiting_sca",
        "checking",
        "accepted",
        "settled",
    ]
    assert PaymentEvent.objects.filter(payment__customer_id=acme.id).count() == LINES * 3 + 2 * LINES // 5
    # created + accepted for every line, settled for the internal ones
    assert OutboxEvent.objects.count() - events_before == 2 * LINES + 2 * LINES // 5
    assert internal.history.count() == 2
    assert not batch.lines.exclude(status__in=[LineStatus.PAID, LineStatus.ACCEPTED]).exists()
