"""The clearing commands: a whole round from the command line, and one-line refusals of bad input."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.payments.models import PaymentStatus
from tests.apps.payments.settlement_factories import accepted_payment, clearing_env, funded_account

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")
AT = "2026-12-02T09:00:00+01:00"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_three_steps_one_by_one_settle_a_payment() -> None:
    payment = accepted_payment(account=funded_account())
    assert "1 payment(s), 12.50 EUR, 1 file(s) written" in run("settlement_cycle", "--at", AT)
    assert "took 1 file(s), wrote 1 answer(s)" in run("clearing_simulate", "--at", AT)
    assert "1 file(s) processed" in run("clearing_ingest", "--at", AT)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SETTLED


def test_clearing_tick_runs_the_three_in_a_row() -> None:
    payment = accepted_payment(account=funded_account(), creditor_name="SIM REJECT AC01")
    output = run("clearing_tick", "--at", AT)
    assert "1 rejected" in output
    payment.refresh_from_db()
    assert (payment.status, payment.reason_code) == (PaymentStatus.REJECTED, "AC01")
    assert "0 payment(s)" in run("clearing_tick", "--at", AT)  # twice: nothing more


@pytest.mark.parametrize("command", ["settlement_cycle", "clearing_simulate", "clearing_ingest", "clearing_tick"])
@pytest.mark.parametrize(
    ("value", "why"), [("tomorrow", "not an ISO 8601 moment"), ("2026-12-02T09:00:00", "needs an offset")]
)
def test_a_bad_moment_is_refused_in_one_line(command: str, value: str, why: str) -> None:
    with pytest.raises(CommandError) as refused:
        run(command, "--at", value)
    assert why in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_bad_cut_off_setting_is_one_line(settings: object) -> None:
    settings.SETTLEMENT_CUT_OFFS = ["25:99"]  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="SETTLEMENT_CUT_OFFS"):
        run("settlement_cycle", "--at", AT)


def test_an_unusable_clearing_dir_is_one_line(settings: object, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.CLEARING_DIR = blocker / "clearing"  # type: ignore[attr-defined]
    with pytest.raises(CommandError):
        run("clearing_ingest")


@pytest.mark.parametrize("command", ["settlement_cycle", "clearing_simulate", "clearing_ingest", "clearing_tick"])
def test_a_clearing_dir_that_is_a_file_is_refused_with_nothing_due(
    settings: object, tmp_path: Path, command: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.CLEARING_DIR = blocker  # type: ignore[attr-defined]
    with pytest.raises(CommandError) as refused:
        run(command, "--at", AT)
    assert str(refused.value) == f"CLEARING_DIR {blocker} is not a directory"


@pytest.mark.parametrize("command", ["settlement_cycle", "clearing_simulate", "clearing_ingest", "clearing_tick"])
def test_a_clearing_dir_inside_a_file_is_refused_with_nothing_due(
    settings: object, tmp_path: Path, command: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.CLEARING_DIR = blocker / "clearing"  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match=r"^CLEARING_DIR .* cannot be used: Not a directory$"):
        run(command, "--at", AT)


@pytest.mark.parametrize("command", ["clearing_simulate", "clearing_tick"])
def test_the_simulator_is_refused_where_simulators_are_off(settings: object, command: str) -> None:
    settings.SIMULATORS_MOUNTED = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="SIMULATORS_MOUNTED"):
        run(command, "--at", AT)
