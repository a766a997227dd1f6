from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_health_reports_each_check(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_health_is_503_and_names_the_failed_check(client: Client) -> None:
    # The dummy cache forgets what it is told: exactly the failure the cache check must catch.
    response = client.get("/health/")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == "ok"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_broker_fails_health(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 503
    assert "broker" in json.loads(response.content)["failed"]


@override_settings(REDIS_URL="redis://bank:s3cret-pass@127.0.0.1:1/0")
def test_health_names_the_error_type_but_shows_no_internals(client: Client) -> None:
    # /health/ is public (load balancers): host names, ports and credentials stay in the log.
    response = client.get("/health/")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"] == "error: ConnectionError"
    assert b"127.0.0.1" not in response.content
    assert b"s3cret" not in response.content


def test_request_id_is_made_or_echoed(client: Client) -> None:
    made = client.get("/health/")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/health/", HTTP_X_REQUEST_ID="trace-1234abcd")["X-Request-ID"] == "trace-1234abcd"
    # Header injection or junk is not echoed back.
    assert client.get("/health/", HTTP_X_REQUEST_ID="bad id\r\nx")["X-Request-ID"] != "bad id\r\nx"


def test_metrics_are_prometheus_text_with_business_figures(client: Client, django_user_model: type) -> None:
    django_user_model.objects.create_user(email="c1@example.com", password="x")
    client.get("/health/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "bankcore_customers 1.0" in text
    assert 'bankcore_http_requests_total{method="GET",status="200"}' in text


def test_landing_page_has_strict_csp(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"Open an account" in response.content
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert b"<script>" not in response.content  # no inline scripts
    assert response["X-Frame-Options"] == "DENY"


def test_api_schema_and_docs_are_served(client: Client) -> None:
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"<script>" not in docs.content.replace(b' nonce="', b"")


class TestWhoMayScrapeMetrics:
    def test_public_address_without_token_gets_404(self, client: Client) -> None:
        assert client.get("/metrics", REMOTE_ADDR="93.184.216.34").status_code == 404

    @pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1"])
    def test_loopback_and_private_scrapers_are_served(self, client: Client, address: str) -> None:
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200

    @override_settings(METRICS_TOKEN="s3cret-token")
    def test_with_a_token_only_its_bearer_is_served(self, client: Client) -> None:
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        ok = client.get("/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer s3cret-token")
        assert ok.status_code == 200

    @override_settings(METRICS_PUBLIC=True)
    def test_metrics_public_opens_it_to_all(self, client: Client) -> None:
        assert client.get("/metrics", REMOTE_ADDR="93.184.216.34").status_code == 200


def test_favicon_points_browsers_at_the_vendored_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
