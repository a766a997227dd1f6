"""Suite-wide fixtures and the rules for tests that need the real stack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    skip_worker = pytest.mark.skip(reason="needs Redis for a real Celery worker: set REDIS_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords and not is_postgres():
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_worker)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
