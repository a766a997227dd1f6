"""Demo data: each app registers a seeder; `manage.py seed_demo` runs them all, idempotently.

The kernel cannot import apps, so apps register here (in AppConfig.ready) instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

# A seeder creates what is missing and returns lines to print (logins, account numbers...).
Seeder = Callable[[], list[str]]

_seeders: list[tuple[int, str, Seeder]] = []


def register(name: str, seeder: Seeder, *, order: int = 100) -> None:
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, seeder) for _, name, seeder in sorted(_seeders, key=lambda s: (s[0], s[1]))]


REFUSED = "demo data is switched off here (DEMO_DATA_ALLOWED is false, as always in production)"


def allowed() -> bool:
    """Whether demo logins may exist: their password is public and their TOTP keys computable."""
    return bool(getattr(settings, "DEMO_DATA_ALLOWED", False))
