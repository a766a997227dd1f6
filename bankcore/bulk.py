"""Writing many rows at once: COPY on PostgreSQL, the ORM's bulk calls elsewhere.

Django's ``bulk_create`` prepares every value of every row through its field (``get_db_prep_save``)
and, on PostgreSQL, binds the rows as arrays the client quotes in Python: for a bulk payout's
chunk of 500 payments, their history and their timeline that is most of the chunk's time. COPY
sends the instances' values as they are, each dumped by psycopg's C dumpers, and the server
parses them by the columns' types. Only what an instance already holds is written: defaults are
set when it is made, and these helpers neither call ``save``, ``pre_save`` nor send signals (as
``bulk_create`` does not).

Every statement goes through the connection's execute wrappers, so statement counters and
tracing see it like any other.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from psycopg.types.json import Jsonb

from bankcore.sql import query_logged

_HISTORY_OWN = ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")


def _copying() -> bool:
    return connection.vendor == "postgresql"


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return Jsonb(value, dumps=lambda obj: json.dumps(obj, cls=encoder))
    if isinstance(value, enum.Enum):
        return value.value  # a TextChoices member is written as its value, as the ORM does
    return value


def _run(sql: str, work: Callable[[Any], Any]) -> Any:
    """Run ``work`` on the raw psycopg cursor as the statement ``sql``, through the execute wrappers
    and into the query log when it is on (as Django's debug cursor logs a statement)."""
    with connection.cursor() as cursor, query_logged(connection, sql):
        # Django's CursorWrapper applies the wrappers in ``_execute_with_wrappers``; COPY has no
        # public way in, and skipping them would hide these statements from every counter.
        return cursor._execute_with_wrappers(
            sql, None, False, lambda _sql, _params, _many, _context: work(cursor.cursor)
        )


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sql = f"COPY {connection.ops.quote_name(table)} ({', '.join(map(connection.ops.quote_name, columns))}) FROM STDIN"

    def work(raw: Any) -> None:
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    _run(sql, work)


def _pk(model: type[models.Model]) -> models.Field[Any, Any]:
    pk = model._meta.pk
    assert pk is not None  # every concrete model has one
    return pk


def _columns(fields: Iterable[models.Field[Any, Any]]) -> list[str]:
    return [str(f.column) for f in fields]


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model`` from its table's sequence (PostgreSQL only)."""
    table, pk = model._meta.db_table, _pk(model).column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count])
        return [int(row[0]) for row in cursor.fetchall()]


def row_insert(model: type[models.Model], values: dict[str, Any], *, skip_conflicts: bool = False) -> int | None:
    """Insert one row with a single plain statement; returns its id (None: a unique key was taken).

    For the payment path, where the ORM's create() spent more time building the statement than
    the database took to run it. Every concrete field is written, from ``values`` or the field's
    default, through the field's own conversion: the row is exactly what create() would store
    (JSON as jsonb on Postgres, text on SQLite). No signals are sent.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = []
    for field in fields:
        value = values[field.attname] if field.attname in values else values.get(field.name, field.get_default())
        params.append(field.get_db_prep_save(value, connection))
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(str(f.column) for f in fields)}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join(['%s'] * len(fields))}){conflicts} RETURNING {model._meta.pk.column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def rows_insert(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert new, complete instances; each gets its primary key (``bulk_create`` semantics)."""
    if not rows:
        return
    if not _copying():
        model._default_manager.bulk_create(rows, batch_size=1000)
        return
    for row, pk in zip(rows, ids_reserve(model, len(rows)), strict=True):
        row.pk = pk
    rows_append(model, rows)


def rows_append(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert new instances that nothing reads back by key (timeline lines): they get no primary key
    on PostgreSQL, unless they carry one already."""
    if not rows:
        return
    if not _copying():
        model._default_manager.bulk_create(rows, batch_size=1000)
        return
    with_pk = rows[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    _copy(
        model._meta.db_table,
        _columns(fields),
        ([_value(f, getattr(row, f.attname)) for f in fields] for row in rows),
    )


def history_insert(model: type[models.Model], rows: Sequence[models.Model], *, at: datetime, change: str) -> None:
    """django-simple-history rows for ``rows`` as they are now: ``change`` "+" (made) or "~" (changed)."""
    if not rows:
        return
    if not _copying():
        model.history.bulk_history_create(rows, default_date=at, update=change == "~")  # type: ignore[attr-defined]
        return
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = [f for f in historical._meta.concrete_fields if f.attname not in _HISTORY_OWN]
    columns = [*_columns(tracked), "history_date", "history_type", "history_change_reason", "history_user_id"]
    _copy(
        historical._meta.db_table,
        columns,
        ([_value(f, getattr(row, f.attname)) for f in tracked] + [at, change, None, None] for row in rows),
    )


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def rows_rewrite(model: type[models.Model], rows: Sequence[models.Model], fields: list[str]) -> None:
    """Store ``fields`` of ``rows`` (complete instances that exist already) in a few statements.

    On PostgreSQL the new values are copied into a temporary table and written with one
    ``UPDATE … FROM``; elsewhere one ``INSERT … ON CONFLICT (id) DO UPDATE`` a thousand rows
    (``bulk_update``'s ``CASE WHEN id = … THEN …`` per field and row costs more in Python and
    in the planner than the rows themselves).
    """
    if not rows:
        return
    if not _copying():
        with transaction.atomic():  # all rows or none, and the caller's transaction stays usable
            model._default_manager.bulk_create(
                rows, batch_size=1000, update_conflicts=True, unique_fields=["id"], update_fields=fields
            )
        return
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, _pk(model)
    chosen = [_concrete(model, name) for name in fields]
    columns = _columns([pk, *chosen])
    scratch = f"bulk_rewrite_{table}"
    listed = ", ".join(map(quote, columns))
    assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns[1:])
    # In a savepoint: all rows or none, the caller's transaction stays usable, and ON COMMIT DROP needs one.
    with transaction.atomic(), connection.cursor() as cursor:
        create = f"CREATE TEMPORARY TABLE {quote(scratch)} ON COMMIT DROP AS SELECT {listed} FROM {quote(table)}"  # noqa: S608 - our own names
        cursor.execute(f"{create} WITH NO DATA")
        _copy(scratch, columns, ([row.pk] + [_value(f, getattr(row, f.attname)) for f in chosen] for row in rows))
        cursor.execute(
            f"UPDATE {quote(table)} AS t SET {assignments} FROM {quote(scratch)} AS s "  # noqa: S608 - our own names
            f"WHERE t.{quote(columns[0])} = s.{quote(columns[0])}"
        )
        cursor.execute(f"DROP TABLE {quote(scratch)}")  # at once: a second call in this transaction makes it again
