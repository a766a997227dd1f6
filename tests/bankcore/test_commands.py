"""Every command of the project refuses bad arguments in one line with a non-zero exit (DESIGN.md §5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from bankcore.commands import BankCommand

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "manage.py", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("import_sanctions", "eu", "--dir", "x"), "import_sanctions: error: argument source: invalid choice: 'eu'"),
        (("import_sanctions", "ofac"), "import_sanctions: error: the following arguments are required: --dir"),
        (("screen",), "screen: error: the following arguments are required: name"),
        (("fx_rates_load",), "fx_rates_load: error: the following arguments are required: file"),
        (("screen", "Bob", "--birth-year", "x"), "screen: error: argument --birth-year: invalid int value: 'x'"),
        (("reconcile", "--bogus"), "reconcile: error: unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_one_line_and_a_non_zero_exit(args: tuple[str, ...], line: str) -> None:
    done = manage(*args)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(line)
    assert done.stdout == ""


def test_help_still_prints_the_usage() -> None:
    done = manage("import_sanctions", "--help")
    assert done.returncode == 0
    assert "--dir DIR" in done.stdout


def test_every_command_of_the_project_speaks_so() -> None:
    ours = {name: app for name, app in get_commands().items() if app.startswith(("apps.", "bankcore."))}
    assert "import_sanctions" in ours
    for name, app in ours.items():
        assert isinstance(load_command_class(app, name), BankCommand), f"{app}.{name} is not a BankCommand"
