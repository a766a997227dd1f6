"""Plain INSERTs for the payment path: many decisions at once (one row is ``bankcore.bulk.row_insert``)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """``row_insert`` of many rows in one statement (no conflict clause); their ids, in order."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = []
    for values in rows:
        for field in fields:
            value = values[field.attname] if field.attname in values else values.get(field.name, field.get_default())
            params.append(field.get_db_prep_save(value, connection))
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(str(f.column) for f in fields)}) "  # noqa: S608 - our own names
        f"VALUES {', '.join([row_sql] * len(rows))} RETURNING {model._meta.pk.column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Postgres and SQLite return the ids of a multi-row VALUES in its order (Django's bulk_create relies on it).
        return [int(row[0]) for row in cursor.fetchall()]
