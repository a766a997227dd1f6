"""Statements on the money path, bound on the server.

Django's cursor binds parameters in the client (psycopg's ``ClientCursor``), so PostgreSQL parses
and plans each statement again, and the wrapper costs client CPU besides. A statement that runs on
every payment (the ledger's post, the KYC limit read) goes through ``rows`` instead: bound on the
server, so with prepared statements (``DATABASE_PREPARED_STATEMENTS``, on unless a transaction
pooler rules them out) psycopg prepares it at its sixth run, and from then on the server parses
it no more and plans it at most a few times more (until it settles on a generic plan).
What matters of Django's wrapper is kept: errors mapped to ``django.db`` exceptions, no statement
on a broken transaction, the connection's execute wrappers and the query log when it is on (so
tracing and statement counts see it). On SQLite (the embedded default) it is Django's own cursor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def rows(sql: str, params: Sequence[Any], *, binary: bool = False) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` run with ``params`` (``%s`` placeholders), bound on the server on PostgreSQL.

    ``binary``: results in PostgreSQL's binary format (arrays of numbers are cheaper to load so).
    """
    db = connections[DEFAULT_DB_ALIAS]  # one lookup: each attribute of the proxy is another
    if db.vendor != "postgresql":
        with db.cursor() as django_cursor:
            django_cursor.execute(sql, params)
            return [tuple(row) for row in django_cursor.fetchall()]
    db.ensure_connection()
    db.validate_no_broken_transaction()

    def execute(sql: str, params: Any, _many: bool, _context: dict[str, Any]) -> list[tuple[Any, ...]]:
        with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
            cursor.execute(sql, params, binary=binary)
            return [tuple(row) for row in cursor.fetchall()]

    # The connection's execute wrappers (tracing, statement counters) see it as Django's cursor
    # would show it to them; without any (production) nothing is built.
    for wrapper in reversed(db.execute_wrappers):
        execute = partial(wrapper, execute)
    with query_logged(db, sql):
        return execute(sql, params, False, {"connection": db, "cursor": None})


@contextmanager
def query_logged(db: BaseDatabaseWrapper, sql: str) -> Iterator[None]:
    """Put ``sql``, run inside the block, into ``db``'s query log when it is on, as Django's debug
    cursor would: for statements run past that cursor (a raw psycopg cursor, a COPY)."""
    if not db.queries_logged:
        yield
        return
    started = time.monotonic()
    try:
        yield
    finally:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
