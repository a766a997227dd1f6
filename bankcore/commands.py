"""The base of every management command of the project: bad arguments are refused in one line.

DESIGN.md §5 asks each command to refuse bad input in one line with a non-zero exit. argparse
prints its whole usage block before the error; an operator (or a script reading stderr) wants
the one line that says what is wrong, and ``--help`` for the rest.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn, cast

from django.core.management.base import BaseCommand, CommandParser

# argparse's own exit status for a usage error; kept, so scripts can tell it from a refusal (1).
USAGE_EXIT = 2


class OneLineParser(CommandParser):
    """Django's parser, whose argument errors are one line: ``<command>: error: <message>``."""

    command_name = ""

    def error(self, message: str) -> NoReturn:
        if not self.called_from_command_line:
            # call_command: Django raises CommandError, which is one line already.
            super().error(message)
        name = self.command_name or self.prog
        sys.stderr.write(f"{name}: error: {' '.join(message.split())}\n")
        sys.exit(USAGE_EXIT)


class BankCommand(BaseCommand):
    """What the project's commands subclass instead of ``BaseCommand``."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds its CommandParser itself and offers no hook for another class; the
        # subclass adds behaviour only (no state of its own), so the instance can take it on.
        parser.__class__ = OneLineParser
        cast(OneLineParser, parser).command_name = subcommand
        return parser
