"""The footer's Status link opens a page people can read; /health/ stays JSON for machines."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_footer_links_to_the_human_status_page(client: Client) -> None:
    landing = client.get("/").content.decode()
    assert 'href="/status/"' in landing
    assert 'href="/health/"' not in landing


def test_status_page_is_html_with_every_check(client: Client) -> None:
    response = client.get("/status/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "All systems operational" in text
    assert "Database" in text
    assert "Cache" in text
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_status_page_names_what_is_down_without_internals(client: Client) -> None:
    response = client.get("/status/")
    assert response.status_code == 503
    text = response.content.decode()
    assert "Some services are unavailable" in text
    assert "RuntimeError" not in text  # error types are for /health/'s machines and the log


def test_health_stays_json(client: Client) -> None:
    assert client.get("/health/")["Content-Type"] == "application/json"
