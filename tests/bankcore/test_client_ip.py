"""One client address for lockouts, logs, throttling and metrics, trusted from a proxy only when told."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from bankcore.http import client_ip
from bankcore.users.models import User

PROXY = "10.0.0.5"
PASSWORD = "correct-Horse-battery-9"


def request(remote: str, forwarded: str | None = None) -> HttpRequest:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class TestClientIp:
    def test_off_by_default_a_forwarded_header_is_ignored(self) -> None:
        # Anyone can send X-Forwarded-For; without a trusted proxy it names nobody.
        assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
    def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw(self) -> None:
        assert client_ip(request(PROXY, "198.51.100.1")) == "198.51.100.1"

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
    def test_a_forged_hop_left_of_the_real_client_is_not_believed(self) -> None:
        # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
        assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.1")) == "198.51.100.1"

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/24", "192.168.7.7"])
    def test_a_chain_of_trusted_proxies_is_walked_from_the_right(self) -> None:
        assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.1, 192.168.7.7")) == "198.51.100.1"

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
    def test_a_direct_connection_from_elsewhere_is_its_own_address(self) -> None:
        assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_a_count_of_proxies_takes_the_hop_the_outermost_saw(self) -> None:
        assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.9")) == "198.51.100.1"
        # Fewer hops than proxies: it did not come through them; trust only the connection.
        assert client_ip(request(PROXY, "198.51.100.1")) == PROXY

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_junk_in_the_header_falls_back_to_the_connection(self) -> None:
        assert client_ip(request(PROXY, "not-an-ip")) == PROXY
        assert client_ip(request(PROXY, "2001:DB8::1")) == "2001:db8::1"


def customer(email: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def login(client: Client, email: str, password: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_lockout_is_per_real_client_behind_the_proxy() -> None:
    customer("dana@example.com")
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, f"nobody{n}@example.com", "wrong-password-1")
    assert login(attacker, "dana@example.com", PASSWORD).status_code == 429
    # Same proxy, another customer: the per-IP lockout is not everybody's.
    assert login(neighbour, "dana@example.com", PASSWORD).status_code == 302
    # And the audit log names the customer's address, not the proxy's.
    from bankcore.users.models import AuditEvent

    assert AuditEvent.objects.filter(kind="login", ip_address="198.51.100.20").exists()


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_lockout() -> None:
    customer("dana@example.com")
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        login(forged, f"nobody{n}@example.com", "wrong-password-1")
    again = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert login(again, "dana@example.com", PASSWORD).status_code == 429


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_throttling_counts_the_real_client() -> None:
    from rest_framework.request import Request

    from bankcore.api.throttling import AnonRateThrottle

    throttle = AnonRateThrottle()
    assert throttle.get_ident(Request(request(PROXY, "198.51.100.1"))) == "198.51.100.1"


def test_throttling_ignores_a_forged_header_without_a_trusted_proxy() -> None:
    from rest_framework.request import Request

    from bankcore.api.throttling import AnonRateThrottle

    # DRF's own get_ident believes X-Forwarded-For from anyone: a new value per request, no limit.
    assert AnonRateThrottle().get_ident(Request(request("203.0.113.9", "1.2.3.4"))) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_every_log_line_of_a_request_names_the_real_client() -> None:
    from bankcore.observability.middleware import RequestIdMiddleware

    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(structlog.contextvars.get_contextvars())
        return HttpResponse()

    RequestIdMiddleware(view)(request(PROXY, "198.51.100.1"))
    assert seen["client_ip"] == "198.51.100.1"


@pytest.mark.django_db
class TestMetricsBehindTheProxy:
    def test_without_trust_the_proxy_address_would_open_metrics_to_all(self, client: Client) -> None:
        # The finding: every request arrives from the proxy's private address.
        assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="93.184.216.34").status_code == 200

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_with_trust_a_public_client_behind_the_proxy_is_refused(self, client: Client) -> None:
        assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="93.184.216.34").status_code == 404
        assert client.get("/metrics", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.0.0.77").status_code == 200


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY], API_THROTTLE_RATES={"anon": "2/min", "user": "2/min"})
def test_the_api_throttles_each_real_client_behind_the_proxy_on_its_own(client: Client) -> None:
    from django.core.cache import cache

    cache.clear()
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert [client.get("/api/schema/", **first).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/api/schema/", **first)
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    assert client.get("/api/schema/", **other).status_code == 200
