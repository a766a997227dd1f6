"""Suite-wide fixtures and the rules for tests that need the real stack.

Without Postgres or Redis the tests that need them skip, so the suite runs anywhere. CI sets
``BANKCORE_REQUIRE_SERVICES=1``: then nothing of the Postgres and worker groups may be left out.
A missing service stops the run, and so does a skip of such a test (whatever skipped it), a
deselection of one (``-m "not postgres"``, ``-k``) or a run in which none of a group ran.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

SERVICE_GROUPS = ("postgres", "worker")

_ran = pytest.StashKey[set[str]]()
_left_out = pytest.StashKey[list[str]]()


def is_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def services_required() -> bool:
    return os.environ.get("BANKCORE_REQUIRE_SERVICES", "") not in ("", "0")


def service_groups(item: pytest.Item) -> list[str]:
    return [group for group in SERVICE_GROUPS if item.get_closest_marker(group) is not None]


def missing_services() -> dict[str, str]:
    missing = {}
    if not is_postgres():
        missing["postgres"] = "needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
    if not settings.REDIS_URL:
        missing["worker"] = "needs Redis for a real Celery worker: set REDIS_URL (CI does)"
    return missing


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ran] = set()
    config.stash[_left_out] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = missing_services()
    if services_required() and missing:
        raise pytest.UsageError(
            "BANKCORE_REQUIRE_SERVICES is set, but " + "; ".join(f"the {g} group {why}" for g, why in missing.items())
        )
    for item in items:
        for group in service_groups(item):
            if group in missing:
                item.add_marker(pytest.mark.skip(reason=missing[group]))


def pytest_deselected(items: list[pytest.Item]) -> None:
    if not services_required() or not items:
        return
    left_out = items[0].config.stash[_left_out]
    left_out.extend(f"{item.nodeid} (deselected)" for item in items if service_groups(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    groups = service_groups(item)
    if not groups or not services_required():
        return report
    if report.skipped:
        # A skipped service test proves nothing: under CI it counts as a failure.
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"BANKCORE_REQUIRE_SERVICES is set, so this {'/'.join(groups)} test may not skip: {reason}"
    elif report.when == "call":
        item.config.stash[_ran].update(groups)
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not services_required() or exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR):
        return
    ran = session.config.stash[_ran]
    problems = [f"no test of the {group} group ran" for group in SERVICE_GROUPS if group not in ran]
    left_out = session.config.stash[_left_out]
    problems += left_out
    if not problems:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line("BANKCORE_REQUIRE_SERVICES is set, and the services were not all tested:", red=True)
        for problem in problems[:20]:
            reporter.write_line(f"  {problem}", red=True)
        if len(problems) > 20:
            reporter.write_line(f"  … and {len(problems) - 20} more", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 2, 10, 30, tzinfo=UTC)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadedServer(WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="session")
def vop_server() -> Iterator[str]:
    """The whole Django app on a loopback port; the VoP view touches no database."""
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_ThreadedServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/simulators/clearing/vop/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def vop(settings: Any, vop_server: str) -> str:
    """Payee checks answered over real HTTP by the clearing simulator, as another bank would."""
    settings.CLEARING_VOP_URL = vop_server
    return vop_server
