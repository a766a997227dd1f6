"""Back office of bulk payouts: batches searchable by number and customer, lines linked, all read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.payments.models import PaymentBatch
from bankcore.testing.access import login_verified
from tests.apps.payments.batch_factories import Row, business, review_rule, upload
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME
from tests.bankcore.users.factories import StaffFactory


@pytest.fixture
def staff() -> Any:
    return StaffFactory(is_superuser=True)


def test_batches_are_found_shown_and_read_only(
    client: Client, staff: Any, now: datetime, django_capture_on_commit_callbacks: Any
) -> None:
    acme = business(company="Acme Admin GmbH")
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(acme, [Row(EXTERNAL_NAME, EXTERNAL_IBAN, "5.00"), Row("X", "nonsense", "1.00")], now=now)
    other = business(company="Other Admin BV")
    with django_capture_on_commit_callbacks(execute=True):
        theirs = upload(other, [Row(EXTERNAL_NAME, EXTERNAL_IBAN, "6.00")], now=now)
    login_verified(client, staff)
    by_customer = client.get("/admin/payments/paymentbatch/", {"q": acme.user.email}).content.decode()
    assert f"/admin/payments/paymentbatch/{batch.pk}/change/" in by_customer
    assert f"/admin/payments/paymentbatch/{theirs.pk}/change/" not in by_customer
    by_number = client.get("/admin/payments/paymentbatch/", {"q": str(batch.pk)}).content.decode()
    assert f"/admin/payments/paymentbatch/{batch.pk}/change/" in by_number
    detail = client.get(f"/admin/payments/paymentbatch/{batch.pk}/change/").content.decode()
    assert "2 lines, one result each" in detail
    lines = client.get("/admin/payments/paymentbatchline/", {"batch__id__exact": batch.pk}).content.decode()
    assert "iban_invalid" in lines or "iban_country" in lines
    assert client.post(f"/admin/payments/paymentbatch/{batch.pk}/delete/").status_code == 403
    assert PaymentBatch.objects.count() == 2


def test_a_held_line_shows_its_payments_status(
    client: Client, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    review_rule(amount_minor=4242)
    acme = business(company="Acme Held GmbH")
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(acme, [Row(EXTERNAL_NAME, EXTERNAL_IBAN, "42.42")], partner_id=1, now=timezone.now())
    login_verified(client, staff)
    listed = client.get("/admin/payments/paymentbatch/", {"q": str(batch.pk)}).content.decode()
    assert '<td class="field-held_count">1</td>' in listed
    assert "Some payments held for a check" in listed
    lines = client.get("/admin/payments/paymentbatchline/", {"batch__id__exact": batch.pk}).content.decode()
    assert '<td class="field-payment_status">Held for review</td>' in lines
