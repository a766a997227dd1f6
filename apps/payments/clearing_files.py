"""The clearing directory (DESIGN.md §5): where files go, how they are written and moved.

``CLEARING_DIR`` (setting and environment variable; default ``var/clearing/`` in the project)
holds ``outbox/`` (bank to clearing), ``inbox/`` (clearing to bank), ``processed/`` and
``rejected/`` (what ingest took or kept aside) and ``simulator/`` (the clearing house's own
records). A file is written under a dot-name first and renamed into place, so a reader never
sees half a file; dot-names are never taken.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings

from bankcore.errors import DomainError

FOLDERS = ("outbox", "inbox", "processed", "rejected")


class ClearingDirUnusable(DomainError):
    """``CLEARING_DIR`` is not a folder the bank can write its files in (or its folders cannot be made)."""

    code = "clearing_dir_unusable"


def clearing_dir() -> Path:
    return Path(settings.CLEARING_DIR)


def clearing_dir_check() -> Path:
    """``CLEARING_DIR`` with its folders, made where missing; ``ClearingDirUnusable`` otherwise.

    Every command over the clearing files calls it first, whatever there is to do: a cycle with
    nothing due must not pass for a working one while its files could never be written.
    """
    root = clearing_dir()
    if root.exists() and not root.is_dir():
        raise ClearingDirUnusable(f"CLEARING_DIR {root} is not a directory")
    try:
        folders = [folder(name) for name in FOLDERS]
    except OSError as error:
        raise ClearingDirUnusable(f"CLEARING_DIR {root} cannot be used: {error.strerror or error}") from None
    for path in folders:
        if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
            raise ClearingDirUnusable(f"CLEARING_DIR {root}: {path.name}/ is not a directory the bank can write in")
    return root


def folder(name: str) -> Path:
    path = clearing_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` all at once: a temporary dot-name, fsync, then rename."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    # The rename itself is durable only once the directory is.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def inbox_files() -> list[Path]:
    """Every file waiting in the inbox, oldest name first (temporaries excluded)."""
    return sorted(p for p in folder("inbox").iterdir() if p.is_file() and not p.name.startswith("."))


def move_aside(path: Path, *, to: str, error: str | None = None) -> Path:
    """Move an inbox file to ``processed/`` or ``rejected/`` (with ``NAME.error.txt`` beside it)."""
    target = folder(to) / path.name
    if target.exists():
        # A second file of the same name (a duplicate delivery): keep both, the newer numbered.
        target = target.with_name(f"{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}")
    os.replace(path, target)
    if error is not None:
        atomic_write(target.with_name(f"{target.name}.error.txt"), (error.strip() + "\n").encode())
    return target
