from __future__ import annotations

import json
import sys

# What a line says when its figure touched no database (pure Python).
NO_DATABASE = "none"


def database_name() -> str:
    """The engine and version behind Django's default connection, e.g. "postgresql 15.20"."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        number = int(connection.cursor().connection.info.server_version)  # 150020 for 15.20
        return f"postgresql {number // 10000}.{number % 10000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"sqlite {sqlite3.sqlite_version}"
    return connection.vendor


def emit(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: str | None = None,
    baseline_value: float | None = None,
    database: str | None = None,
) -> dict[str, object]:
    """Print one result line in the format outside tools read.

    ``database`` names where the figure was measured; left out, it is the database Django's
    default connection points at (the group's scratch database), so a figure can never be
    read as coming from another engine.
    """
    ratio = value / baseline_value if baseline and baseline_value else None
    line: dict[str, object] = {
        "bench": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 4) if baseline_value is not None else None,
        "ratio": round(ratio, 4) if ratio is not None else None,
        "database": database or database_name(),
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    return line
