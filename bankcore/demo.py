"""Demo data: each app registers a seeder; `manage.py seed_demo` runs them all, idempotently.

The kernel cannot import apps, so apps register here (in AppConfig.ready) instead.
"""

from __future__ import annotations

from collections.abc import Callable

# A seeder creates what is missing and returns lines to print (logins, account numbers...).
Seeder = Callable[[], list[str]]

_seeders: list[tuple[int, str, Seeder]] = []


def register(name: str, seeder: Seeder, *, order: int = 100) -> None:
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, seeder) for _, name, seeder in sorted(_seeders, key=lambda s: (s[0], s[1]))]
