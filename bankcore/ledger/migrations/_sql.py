"""Install the ledger's PostgreSQL functions and triggers from frozen copies of their files.

``bankcore/ledger/sql/`` holds the live text, one object per file. A migration that installs
SQL copies the files it changes into ``migrations/sql/<its number>/`` and runs those copies: a
copy never changes once its migration exists, so every migration installs the same text on
every database, whatever the live files say later. A change is never a string patch of an
older copy: copy the new file whole into a new migration's folder (see sql/README.md).

SQLite gets none of it: there the ORM path in services.py applies the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

FROZEN = Path(__file__).resolve().parent / "sql"

Operation = Callable[[Any, Any], None]


def frozen_text(version: str, name: str) -> str:
    return (FROZEN / version / f"{name}.sql").read_text(encoding="utf-8")


def install(version: str, names: Sequence[str]) -> Operation:
    """Run ``migrations/sql/<version>/<name>.sql`` for each name, in the order given."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for name in names:
                cursor.execute(frozen_text(version, name))

    return forwards


def drop_functions(names: Sequence[str]) -> Operation:
    """Drop the named functions and, with them, the triggers that call them."""

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name} CASCADE")

    return backwards
