"""Liveness of what the bank depends on: the database, the cache and (when configured) the broker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("unexpected answer")


def _cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("value written was not read back")
    cache.delete(key)


def _broker() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def checks() -> dict[str, Callable[[], None]]:
    found: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache}
    if settings.REDIS_URL:
        found["broker"] = _broker
    return found


def run_checks() -> dict[str, str]:
    """``{"database": "ok", "broker": "error: ConnectionError"}``; never raises.

    The answer is public, so it names only the type of error; the message (hosts, ports, users) is logged.
    """
    results: dict[str, str] = {}
    for name, check in checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a health check reports failures, it does not raise them
            log.warning("health check %s failed", name, exc_info=True)
            results[name] = f"error: {type(exc).__name__}"
    return results
