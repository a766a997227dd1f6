"""The embedded SQLite default takes concurrent writes from several threads (runserver) without "database is locked".

Each case runs in a fresh interpreter on a file database (WAL and locking need a file, not the
in-memory test database), with the settings ``config.settings.env.database`` builds when no
DATABASE_URL is set, and real threads each writing inside ``transaction.atomic`` after a read,
as a request does. Without the options, the same script does hit the error: the test proves both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THREADS = 16

SCRIPT = """
import sys, threading, time
import django
from django.conf import settings
from config.settings.env import database

config = database(sys.argv[1])
if sys.argv[2] == "bare":
    config["OPTIONS"] = {}
settings.configure(DATABASES={"default": config}, INSTALLED_APPS=[], USE_TZ=True)
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, n INTEGER)")
    cursor.execute("PRAGMA journal_mode")
    print("journal", cursor.fetchone()[0])
failures = []
THREADS = int(sys.argv[3])
start = threading.Barrier(THREADS)

def write(n):
    try:
        start.wait()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM hits")
                time.sleep(0.05)  # a request's work between its read and its write
                cursor.execute("INSERT INTO hits (n) VALUES (%s)", [n])
    except Exception as error:
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()

threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM hits")
    print("rows", cursor.fetchone()[0])
print("failures", len(failures), sorted(set(failures)))
"""


def run(tmp_path: Path, mode: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, str(tmp_path / "db.sqlite3"), mode, str(THREADS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )
    return done.stdout


def test_concurrent_writes_all_succeed_with_the_default_options(tmp_path: Path) -> None:
    out = run(tmp_path, "default")
    assert "journal wal" in out
    assert f"rows {THREADS}" in out
    assert "failures 0 []" in out


def test_without_the_options_the_same_writes_fail(tmp_path: Path) -> None:
    # The control: the script does reproduce the error the options remove.
    out = run(tmp_path, "bare")
    assert "database is locked" in out


@pytest.mark.parametrize("url", ["sqlite:////tmp/bankcore.sqlite3"])
def test_a_sqlite_url_gets_the_same_options(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from config.settings import env

    monkeypatch.setenv("DATABASE_URL", url)
    options = env.database("unused")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert "journal_mode=WAL" in options["init_command"]
