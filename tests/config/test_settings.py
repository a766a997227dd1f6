"""Start-up refuses bad configuration with one line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k8s2-JxQv9m4pLr7tNz3wYb6cHd1fGe5aUi0oKs8jWq2xVn4yMt6"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DATABASE_PREPARED_STATEMENTS",
        }
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql2://nope"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://localhost:5432/"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bankcore", "DATABASE_PREPARED_STATEMENTS": "perhaps"},
            "DATABASE_PREPARED_STATEMENTS",
        ),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.prod"}, "SECRET_KEY"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": GOOD_SECRET}, "DATABASE_URL"),
        (
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.prod",
                "SECRET_KEY": GOOD_SECRET,
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bankcore",
            },
            "REDIS_URL",
        ),
    ],
)
def test_bad_configuration_stops_with_one_line(env: dict[str, str], variable: str) -> None:
    result = manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"bankcore: configuration error: {variable}:")
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bankcore",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="bank.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_demo_data_even_when_asked() -> None:
    result = manage(
        "seed_demo",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=GOOD_SECRET,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bankcore_never_touched",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="bank.example.com",
        DEMO_DATA_ALLOWED="true",
    )
    assert result.returncode != 0
    assert "DEMO_DATA_ALLOWED" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("raw", "threshold"), [(None, 5), ("true", 5), ("false", None), ("off", None)])
def test_prepared_statements_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, threshold: int | None
) -> None:
    from config.settings.env import database

    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bankcore")
    if raw is None:
        monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", raw)
    assert database("unused.sqlite3")["OPTIONS"]["prepare_threshold"] == threshold


def test_sqlite_has_no_prepared_statement_option(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings.env import database

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert "OPTIONS" not in database("unused.sqlite3")
