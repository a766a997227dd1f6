"""Throttling: a partner is counted per client at the ``user`` rate, an anonymous caller per address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from oauth2_provider.models import AccessToken

from tests.bankcore.api.factories import AccessTokenFactory, PartnerGrantFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
SCHEMA = "/api/schema/"


@pytest.fixture(autouse=True)
def small_rates(settings: Any) -> Iterator[None]:
    settings.API_THROTTLE_RATES = {"anon": "1/min", "user": "3/min"}
    cache.clear()
    yield
    cache.clear()


def partner_token() -> AccessToken:
    return AccessTokenFactory(application=PartnerGrantFactory().application)


def calls(client: Client, token: AccessToken | None, times: int) -> list[int]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"} if token is not None else {}
    return [client.get(ME, **headers).status_code for _ in range(times)]


def test_a_partner_gets_the_user_rate_not_the_anonymous_one(client: Client) -> None:
    assert calls(client, partner_token(), 4) == [200, 200, 200, 429]


def test_each_partner_is_counted_on_its_own_from_one_address(client: Client) -> None:
    first, second = partner_token(), partner_token()
    assert calls(client, first, 4) == [200, 200, 200, 429]
    assert calls(client, second, 3) == [200, 200, 200]


def test_two_tokens_of_one_partner_share_its_count(client: Client) -> None:
    first = partner_token()
    again = AccessTokenFactory(application=first.application)
    assert calls(client, first, 2) + calls(client, again, 2) == [200, 200, 200, 429]


def test_partners_do_not_use_up_the_anonymous_limit_of_their_address(client: Client) -> None:
    calls(client, partner_token(), 3)
    # Anonymous: per address, at the anon rate (the schema is the page open to anyone).
    assert [client.get(SCHEMA).status_code for _ in range(2)] == [200, 429]


def test_the_429_is_a_problem_with_retry_after(client: Client) -> None:
    token = partner_token()
    calls(client, token, 3)
    refused = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token.token}")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert (body["status"], body["code"]) == (429, "throttled")
    assert int(refused["Retry-After"]) > 0
