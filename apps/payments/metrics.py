"""Business gauges of payments and clearing for /metrics, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from apps.payments.models import ClearingException, ClearingFile, IncomingCredit, IncomingStatus, Payment


def gauges() -> Iterator[GaugeMetricFamily]:
    payments = GaugeMetricFamily("bankcore_payments", "Payments by status", labels=["status"])
    for status, count in Payment.objects.values_list("status").annotate(n=Count("id")).order_by("status"):
        payments.add_metric([status], count)
    yield payments
    files = GaugeMetricFamily(
        "bankcore_clearing_files", "Clearing files by direction and status", labels=["direction", "status"]
    )
    rows = (
        ClearingFile.objects.values_list("direction", "status").annotate(n=Count("id")).order_by("direction", "status")
    )
    for direction, status, count in rows:
        files.add_metric([direction, status], count)
    yield files
    # Both queues wait for a person: alert on any that stays.
    yield GaugeMetricFamily(
        "bankcore_clearing_exceptions_open",
        "Late or contradicting clearing reports waiting for staff",
        value=ClearingException.objects.filter(resolved_at__isnull=True).count(),
    )
    yield GaugeMetricFamily(
        "bankcore_clearing_suspense_open",
        "Incoming credit transfers to an unknown IBAN, waiting in suspense",
        value=IncomingCredit.objects.filter(status=IncomingStatus.SUSPENSE).count(),
    )
