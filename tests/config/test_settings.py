"""Start-up refuses bad configuration with one line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k8s2-JxQv9m4pLr7tNz3wYb6cHd1fGe5aUi0oKs8jWq2xVn4yMt6"
GOOD_TOKEN = "m3tr1cs-Ab9xQ2vL7pRt4zKw8nYc6dHf"
# Everything production needs; each test takes one thing away or adds one.
PROD = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": GOOD_SECRET,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bankcore",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "bank.example.com",
    "METRICS_TOKEN": GOOD_TOKEN,
    # --- kyc ---
    "FIELD_ENCRYPTION_KEYS": "YnVpbGQtb25seS1ub3QtYS1zZWNyZXQtMzJieXRlcyE=",
    "BLIND_INDEX_KEY": "bl1nd-1ndex-Ab9xQ2vL7pRt4zKw8nYc6dHf",
}


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
            "METRICS_TOKEN",
            "TRUSTED_PROXIES",
            "TRUSTED_PROXY_COUNT",
            "FIELD_ENCRYPTION_KEYS",  # --- kyc ---
            "BLIND_INDEX_KEY",
        }
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *(args if args[0] == "-c" else ("manage.py", *args))],
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
        ({**PROD, "METRICS_TOKEN": ""}, "METRICS_TOKEN"),
        ({**PROD, "METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
        # --- kyc ---
        ({**PROD, "FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({**PROD, "FIELD_ENCRYPTION_KEYS": "not-a-fernet-key"}, "FIELD_ENCRYPTION_KEYS"),
        ({**PROD, "BLIND_INDEX_KEY": "short"}, "BLIND_INDEX_KEY"),
        # --- end kyc ---
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "proxy.internal"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({"TRUSTED_PROXY_COUNT": "1", "TRUSTED_PROXIES": "10.0.0.1"}, "TRUSTED_PROXY_COUNT"),
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
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_behind_a_trusted_proxy_passes_the_deploy_check_too() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD, TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0, result.stdout + result.stderr


def setting(name: str, **env: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print(repr(settings.{name}))"
    result = manage("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_believes_the_proxy_scheme_only_from_a_trusted_proxy() -> None:
    assert setting("SECURE_PROXY_SSL_HEADER", **PROD) == "None"
    trusted = setting("SECURE_PROXY_SSL_HEADER", **PROD, TRUSTED_PROXIES="10.0.0.0/8")
    assert trusted == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_proxy_scheme_header_without_a_trusted_proxy_stops_start_up(tmp_path: Path) -> None:
    # A settings module built on prod that believes the proxy's scheme but not its client address.
    (tmp_path / "bank_site.py").write_text(
        "from config.settings.prod import *  # noqa\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n"
    )
    env = {**PROD, "DJANGO_SETTINGS_MODULE": "bank_site", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    for entry in (("check",), ("-c", "import config.wsgi")):
        result = manage(*entry, **env)
        assert result.returncode == 2, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("bankcore: configuration error: SECURE_PROXY_SSL_HEADER:")


@pytest.mark.parametrize("entry", ["config.wsgi", "config.asgi", "config.celery"])
def test_a_server_started_without_a_settings_module_never_runs_dev_settings(entry: str) -> None:
    # A deployed process that forgot DJANGO_SETTINGS_MODULE gets production's refusal, not DEBUG.
    result = manage("-c", f"import {entry}; from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().startswith("bankcore: configuration error: SECRET_KEY:")
    served = manage("-c", f"import {entry}; from django.conf import settings; print(settings.DEBUG)", **PROD)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "False"


def test_manage_py_keeps_the_development_default() -> None:
    # The documented commands (seed_demo, sandbox_partner, ...) work with no environment at all.
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_production_refuses_demo_data_even_when_asked() -> None:
    result = manage(
        "seed_demo",
        **{**PROD, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bankcore_never_touched"},
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
    assert "prepare_threshold" not in database("unused.sqlite3")["OPTIONS"]
