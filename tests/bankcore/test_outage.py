"""With Redis gone, the bank says it is unavailable and when to come back; it never answers 500.

The test runs a Redis of its own on a free port and stops it: the shared one stays up.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from allauth.account.models import EmailAddress
from django.test import Client, override_settings

from bankcore.users.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-Horse-battery-9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    for _ in range(200):  # until it accepts connections (it starts in milliseconds)
        try:
            client.ping()
            break
        except redis.ConnectionError:
            server.poll()
            if server.returncode is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    try:
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=10)
        client.close()


def test_login_with_the_cache_down_is_503_with_retry_after(own_redis: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, server = own_redis
    user = User.objects.create_user(email="dana@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email="dana@example.com", verified=True, primary=True)
    location = f"redis://127.0.0.1:{port}/0"
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}
    # allauth's login rate limits as in production (the test settings switch them off).
    with override_settings(CACHES=cache, ACCOUNT_RATE_LIMITS={"login_failed": None}):
        up = Client().post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
        assert up.status_code == 302
        assert redis.Redis(port=port).dbsize() > 0  # the login did go through this cache

        server.terminate()
        server.wait(timeout=10)
        # The test client re-raises what the handler logged; a browser only gets the response.
        browser = Client(raise_request_exception=False)
        down = browser.post("/accounts/login/", {"login": "dana@example.com", "password": PASSWORD})
        assert down.status_code == 503
        assert int(down["Retry-After"]) > 0
        assert b"temporarily unavailable" in down.content
        assert down["Content-Type"].startswith("text/html")
