"""The acquirer's own records: one JSON file per payment intent under ACQUIRER_DIR.

Files, not the bank's database: the acquirer is another company. Each write replaces the file
atomically (temporary name, then rename) under an exclusive lock on the intent.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings


def root() -> Path:
    path = Path(getattr(settings, "ACQUIRER_DIR", "") or Path(settings.BASE_DIR) / "var" / "acquirer")
    (path / "intents").mkdir(parents=True, exist_ok=True)
    return path


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _file(intent_id: str) -> Path:
    if not intent_id.replace("_", "").isalnum():
        raise KeyError(intent_id)
    return root() / "intents" / f"{intent_id}.json"


def read(intent_id: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_file(intent_id).read_text()))
    except (FileNotFoundError, KeyError):
        return None


def write(intent: dict[str, Any]) -> None:
    path = _file(intent["id"])
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(intent, sort_keys=True))
    os.replace(tmp, path)


@contextmanager
def locked(intent_id: str) -> Iterator[dict[str, Any] | None]:
    """The intent, read and written back under an exclusive lock (one change at a time)."""
    lock_path = root() / "intents" / f"{intent_id}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            intent = read(intent_id)
            yield intent
            if intent is not None:
                write(intent)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def all_intents() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((root() / "intents").glob("*.json"))]
