"""Reading the environment: every bad value stops start-up with one line naming the variable."""

from __future__ import annotations

import ipaddress
import sys
from typing import Any, NoReturn

import environ

env = environ.Env()


def fail(variable: str, problem: str) -> NoReturn:
    """Stop start-up with a one-line message (no traceback): operators read this at 3 a.m."""
    sys.stderr.write(f"bankcore: configuration error: {variable}: {problem}\n")
    raise SystemExit(2)


# The embedded default serves requests on several threads (runserver): without these, two writers
# at once get "database is locked". IMMEDIATE takes the write lock when a transaction begins, so
# a writer waits (up to the busy timeout) instead of failing when it upgrades a read lock; WAL
# lets readers go on beside the one writer; synchronous=NORMAL is WAL's durable-enough setting.
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _sqlite(config: dict[str, Any]) -> dict[str, Any]:
    options = config.setdefault("OPTIONS", {})
    for name, value in SQLITE_OPTIONS.items():
        options.setdefault(name, value)
    return config


def database(default_sqlite_path: str) -> dict[str, Any]:
    url = env.str("DATABASE_URL", default="")
    if not url:
        return _sqlite({"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path})
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # environ raises several types for a malformed URL
        fail("DATABASE_URL", f"not a database URL ({exc})")
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        fail("DATABASE_URL", f"unsupported database {url.split(':', 1)[0]!r}; use postgres:// or sqlite://")
    if engine == "django.db.backends.postgresql" and not config.get("NAME"):
        fail("DATABASE_URL", "names no database")
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    if engine == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        # The ledger's calls are bound on the server; prepared, each is parsed and planned once
        # per connection (psycopg prepares a statement at its sixth run). Off behind a
        # transaction pooler that does not carry them (PgBouncer before 1.21, or without
        # max_prepared_statements).
        prepared = boolean("DATABASE_PREPARED_STATEMENTS", default=True)
        options["prepare_threshold"] = 5 if prepared else None
    else:
        _sqlite(config)
    return dict(config)


def redis_url() -> str:
    url = str(env.str("REDIS_URL", default=""))
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        fail("REDIS_URL", "must start with redis://, rediss:// or unix://")
    return url


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def boolean(variable: str, default: bool) -> bool:
    raw = env.str(variable, default="true" if default else "false").strip().lower()
    if raw not in _TRUE | _FALSE:
        fail(variable, "must be true or false")
    return raw in _TRUE


def networks(variable: str) -> list[str]:
    """A comma-separated list of IP addresses or CIDR networks ("10.0.0.0/8,192.0.2.7")."""
    found = [item.strip() for item in env.list(variable, default=[]) if item.strip()]
    for item in found:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            fail(variable, f"{item!r} is not an IP address or network")
    return found


def integer(variable: str, default: int) -> int:
    try:
        return int(env.int(variable, default=default))
    except Exception:
        fail(variable, "must be an integer")
