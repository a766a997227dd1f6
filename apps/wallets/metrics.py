"""Business gauges of the wallets for /metrics, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from apps.wallets.models import Recovery, Wallet, WalletTransfer


def gauges() -> Iterator[GaugeMetricFamily]:
    wallets = GaugeMetricFamily("bankcore_wallets", "Wallets by currency and status", labels=["currency", "status"])
    rows = Wallet.objects.values_list("currency", "status").annotate(n=Count("id")).order_by("currency", "status")
    for currency, status, count in rows:
        wallets.add_metric([currency, status], count)
    yield wallets
    yield GaugeMetricFamily(
        "bankcore_wallet_transfers_held",
        "P2P transfers held for a fraud case",
        value=WalletTransfer.objects.filter(status=WalletTransfer.Status.HELD).count(),
    )
    yield GaugeMetricFamily(
        "bankcore_wallet_recoveries_open",
        "Wallets a chargeback took below zero, not yet repaid or written off",
        value=Recovery.objects.filter(status=Recovery.Status.OPEN).count(),
    )
