"""Prometheus metrics: process counters plus business figures read from the database at scrape.

Business figures are queried at scrape time rather than counted in memory, so they are right
across any number of web and worker processes.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable, Iterator

from django.apps import apps
from django.db import DatabaseError
from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

http_requests = Counter("bankcore_http_requests_total", "HTTP requests served", ["method", "status"])


class BusinessCollector(Collector):
    def describe(self) -> list[GaugeMetricFamily]:
        # Without describe() the registry would call collect() at registration: a query at import.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._collect()
        except DatabaseError:
            return

    def _collect(self) -> Iterator[GaugeMetricFamily]:
        users = apps.get_model("users", "User")
        outbox = apps.get_model("events", "OutboxEvent")
        yield GaugeMetricFamily(
            "bankcore_customers",
            "Active customer users",
            value=users.objects.filter(is_staff=False, is_active=True).count(),
        )
        yield GaugeMetricFamily(
            "bankcore_outbox_pending",
            "Domain events waiting for the relay",
            value=outbox.objects.filter(status="pending").count(),
        )
        # Dead events need a person (the admin's replay action); alert on any.
        yield GaugeMetricFamily(
            "bankcore_outbox_dead",
            "Domain events whose handlers gave up after their last retry",
            value=outbox.objects.filter(status="dead").count(),
        )
        for source in _sources:
            yield from source()


GaugeSource = Callable[[], Iterable[GaugeMetricFamily]]
_sources: list[GaugeSource] = []
_registered = False


def add_source(source: GaugeSource) -> None:
    """Let an app expose its own business figures (call from AppConfig.ready)."""
    if source not in _sources:
        _sources.append(source)


def register_business_collector() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(BusinessCollector())
        _registered = True


def scrape_allowed(*, token: str, authorization: str, remote_addr: str, open_to_all: bool) -> bool:
    """May this request read /metrics?

    With ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` may. Without one, only
    scrapers on a loopback or private address may, unless ``METRICS_PUBLIC`` opens it (dev).
    """
    if token:
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if open_to_all:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return address.is_loopback or address.is_private
