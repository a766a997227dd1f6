"""What the clearing house answers for a transaction: a rule table, first match wins.

A rule matches on the creditor's IBAN (a prefix), the creditor's name (a prefix) and an amount
range in minor units, and names an outcome. The default table has one rule: a creditor name
beginning ``SIM `` chooses the outcome (DESIGN.md §5), everything else is accepted:

- ``SIM REJECT AC04``      rejected with that ISO reason code (AC01, AC04, AC06, AG01, AM04, AM05, BE04, MS03, RR01 …)
- ``SIM RETURN MD07 2``    accepted, then returned with that code after that many business days (default 1, at most 3)
- ``SIM NOANSWER``         never answered (instant: the house rejects it with AB05)
- ``SIM DELAY 30``         accepted that many seconds later; instant beyond 10 s: AB05, then a late acceptance
- ``SIM DUPLICATE``        accepted, and the same status report delivered twice
- ``SIM PENDING``          first PDNG, then accepted a minute later
- ``SIM VOP …``            (verification of payee outcomes) accepted here
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCEPT, REJECT, RETURN, DELAY, NOANSWER, DUPLICATE, PENDING = (
    "accept",
    "reject",
    "return",
    "delay",
    "noanswer",
    "duplicate",
    "pending",
)
KINDS = (ACCEPT, REJECT, RETURN, DELAY, NOANSWER, DUPLICATE, PENDING)
BY_NAME = "by_name"  # the outcome is read from the creditor's name
INSTANT_DEADLINE_SECONDS = 10
MAX_RETURN_DAYS = 3
_CODE = re.compile(r"[A-Z0-9]{4}")


@dataclass(frozen=True)
class Outcome:
    kind: str
    code: str | None = None  # ISO reason code of a rejection or return
    days: int = 0  # business days after settlement (returns)
    seconds: int = 0  # delay of the answer


@dataclass(frozen=True)
class Rule:
    outcome: Outcome | str  # an Outcome, or BY_NAME
    iban_prefix: str | None = None
    name_prefix: str | None = None
    min_minor: int | None = None
    max_minor: int | None = None

    def matches(self, *, iban: str, name: str, amount_minor: int) -> bool:
        return (
            (self.iban_prefix is None or iban.upper().startswith(self.iban_prefix.upper()))
            and (self.name_prefix is None or name.upper().startswith(self.name_prefix.upper()))
            and (self.min_minor is None or amount_minor >= self.min_minor)
            and (self.max_minor is None or amount_minor <= self.max_minor)
        )


DEFAULT_RULES: tuple[Rule, ...] = (Rule(outcome=BY_NAME, name_prefix="SIM "), Rule(outcome=Outcome(ACCEPT)))


def from_name(name: str) -> Outcome:
    """The outcome a ``SIM …`` creditor name asks for; anything not understood is accepted."""
    words = name.upper().split()[1:]
    verb = words[0] if words else ""
    args = words[1:]
    if verb == "REJECT" and args and _CODE.fullmatch(args[0]):
        return Outcome(REJECT, code=args[0])
    if verb == "RETURN" and args and _CODE.fullmatch(args[0]):
        days = int(args[1]) if len(args) > 1 and args[1].isdigit() else 1
        return Outcome(RETURN, code=args[0], days=min(max(days, 0), MAX_RETURN_DAYS))
    if verb == "NOANSWER":
        return Outcome(NOANSWER)
    if verb == "DELAY":
        return Outcome(DELAY, seconds=int(args[0]) if args and args[0].isdigit() else 60)
    if verb == "DUPLICATE":
        return Outcome(DUPLICATE)
    if verb == "PENDING":
        return Outcome(PENDING, seconds=60)
    return Outcome(ACCEPT)


def decide(rules: tuple[Rule, ...], *, iban: str, name: str, amount_minor: int) -> Outcome:
    for rule in rules:
        if rule.matches(iban=iban, name=name, amount_minor=amount_minor):
            return from_name(name) if rule.outcome == BY_NAME else rule.outcome  # type: ignore[return-value]
    return Outcome(ACCEPT)


def _rule_from(data: dict[str, Any]) -> Rule:
    outcome_data = data.get("outcome", ACCEPT)
    if outcome_data == BY_NAME:
        outcome: Outcome | str = BY_NAME
    else:
        if isinstance(outcome_data, str):
            outcome_data = {"kind": outcome_data}
        if outcome_data.get("kind") not in KINDS:
            raise ValueError(f"unknown outcome {outcome_data.get('kind')!r}; one of {', '.join(KINDS)}")
        code = outcome_data.get("code")
        if outcome_data["kind"] in (REJECT, RETURN) and not (isinstance(code, str) and _CODE.fullmatch(code)):
            raise ValueError("a reject or return rule needs a four-character ISO reason code")
        outcome = Outcome(
            kind=outcome_data["kind"],
            code=code,
            days=int(outcome_data.get("days", 0)),
            seconds=int(outcome_data.get("seconds", 0)),
        )
    return Rule(
        outcome=outcome,
        iban_prefix=data.get("iban_prefix"),
        name_prefix=data.get("name_prefix"),
        min_minor=data.get("min_minor"),
        max_minor=data.get("max_minor"),
    )


def load(path: Path) -> tuple[Rule, ...]:
    """Rules from a JSON list (``[{"iban_prefix": "FR", "outcome": {"kind": "reject", "code": "AC01"}}]``),
    tried before the defaults; no file means the defaults alone."""
    if not path.exists():
        return DEFAULT_RULES
    data = json.loads(path.read_text())
    if not isinstance(data, list):
        raise ValueError(f"{path}: the rule table is a JSON list")
    return tuple(_rule_from(item) for item in data) + DEFAULT_RULES


__all__ = ["DEFAULT_RULES", "Outcome", "Rule", "decide", "from_name", "load"]
