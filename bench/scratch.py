"""A database of the bench's own: created, migrated, used and dropped, so a run needs no set-up
and leaves nothing behind. PostgreSQL when DATABASE_URL names one, else a temporary SQLite file.

Migrating takes most of a minute of CPU, and a whole run uses a dozen databases: the first one is
migrated into a template that the others are copied from (``CREATE DATABASE … TEMPLATE``, a file
copy), and the template is dropped when the run ends.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlparse


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def admin_sql(server: Any, statement: str) -> None:
    """Run CREATE/DROP DATABASE from the maintenance database (the URL's own may not exist yet)."""
    import psycopg

    last: Exception | None = None
    for dbname in dict.fromkeys(["postgres", (server.path or "").lstrip("/") or "postgres"]):
        try:
            with psycopg.connect(
                host=server.hostname or "127.0.0.1",
                port=server.port or 5432,
                user=unquote(server.username or "postgres"),
                password=unquote(server.password or "") or None,
                dbname=dbname,
                autocommit=True,
            ) as conn:
                conn.execute(statement)
                return
        except psycopg.OperationalError as exc:
            last = exc
    assert last is not None
    raise last


_template: dict[str, str] = {}  # "name" -> the migrated template of this process


def _migrated_template(server: Any) -> str:
    """A fully migrated database (or SQLite file) to copy, made once per process."""
    if "name" in _template:
        return _template["name"]
    from django.core.management import call_command
    from django.db import connections

    owner = os.getpid()
    if server is not None:
        name = f"bankcore_bench_template_{owner}"
        admin_sql(server, f'CREATE DATABASE "{name}"')
    else:
        handle, name = tempfile.mkstemp(prefix="bankcore-bench-template-", suffix=".sqlite3")
        os.close(handle)

    def drop() -> None:
        if os.getpid() != owner:
            return  # a forked client process: the template is its parent's
        if server is not None:
            admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif os.path.exists(name):
            os.unlink(name)

    atexit.register(drop)
    original = connections.settings["default"]["NAME"]
    connections.close_all()
    connections.settings["default"]["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
    finally:
        connections.close_all()  # a template must have no session open to be copied
        connections.settings["default"]["NAME"] = original
    _template["name"] = name
    return name


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """Point Django's default connection at a fresh, fully migrated database; yields its name."""
    from django.conf import settings
    from django.db import connections

    original = connections.settings["default"]["NAME"]
    settings.DEBUG = False  # no query log: it would measure itself
    url = postgres_url()
    server = urlparse(url) if url else None
    template = _migrated_template(server)
    if server is not None:
        name = f"bankcore_bench_{label}_{os.getpid()}"
        admin_sql(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        handle, name = tempfile.mkstemp(prefix=f"bankcore-bench-{label}-", suffix=".sqlite3")
        os.close(handle)
        shutil.copyfile(template, name)
    connections.close_all()
    connections.settings["default"]["NAME"] = name
    try:
        yield name
    finally:
        connections.close_all()
        connections.settings["default"]["NAME"] = original
        if server is not None:
            admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            os.unlink(name)
