"""Business gauges of the ledger for /metrics, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Sum
from prometheus_client.core import GaugeMetricFamily

from bankcore.ledger.models import Entry, Hold, LedgerAccount


def gauges() -> Iterator[GaugeMetricFamily]:
    accounts = GaugeMetricFamily("bankcore_ledger_accounts", "Ledger accounts by status", labels=["status"])
    for status, count in LedgerAccount.objects.values_list("status").annotate(n=Count("id")).order_by("status"):
        accounts.add_metric([status], count)
    yield accounts
    yield GaugeMetricFamily("bankcore_ledger_entries", "Entries posted to the ledger", value=Entry.objects.count())
    active = Hold.objects.filter(status=Hold.Status.ACTIVE)
    yield GaugeMetricFamily("bankcore_ledger_active_holds", "Holds reserving money now", value=active.count())
    held = GaugeMetricFamily(
        "bankcore_ledger_held_minor", "Money reserved by active holds, in minor units", labels=["currency"]
    )
    for currency, total in active.values_list("currency").annotate(total=Sum("amount_minor")).order_by("currency"):
        held.add_metric([currency], total or 0)
    yield held
