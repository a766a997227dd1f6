"""Business gauges of the fraud app for /metrics, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily

from apps.fraud.models import RuleVersion


def gauges() -> Iterator[GaugeMetricFamily]:
    # The counts live on the version rows (every process adds to them), so any scrape sees them all.
    failing = GaugeMetricFamily(
        "bankcore_fraud_rule_errors",
        "Evaluations of a rule version that raised instead of answering (a live one holds the payment)",
        labels=["rule", "version", "status"],
    )
    rows = (
        RuleVersion.objects.filter(error_count__gt=0)
        .order_by("rule__code", "number")
        .values_list("rule__code", "number", "status", "error_count")
    )
    for code, number, status, count in rows:
        failing.add_metric([code, str(number), status], count)
    yield failing
