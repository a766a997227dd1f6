"""The clearing house: takes the bank's outbox, answers into its inbox, keeps its own records.

Records under ``<root>/simulator/``:
- ``taken/<file name>.json``: every outbox file the house has taken (and what it decided);
- ``pending/<MsgId>.json``: answers decided but not yet due (delays, returns after N days);
- ``rules.json`` (optional): a rule table tried before the defaults (see ``rules.py``).

Every answer's MsgId is derived from what it answers, so a run that dies half-way and is run
again writes the same files under the same names: the bank recognises a known MsgId and
changes nothing. Files appear in the inbox atomically (a dot-named temporary, then a rename).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from simulators.clearing import messages, rules
from simulators.clearing.calendar import add_business_days
from simulators.clearing.messages import Tx

# TARGET runs on Central European Time: its business days are counted there.
CET = ZoneInfo("Europe/Berlin")
BIC = "SIMCDEFFXXX"  # the other banks, as one


@dataclass
class Summary:
    taken: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    pending: int = 0

    def line(self) -> str:
        return f"took {len(self.taken)} file(s), wrote {len(self.written)} answer(s), {self.pending} pending"


def _msg_id(*parts: str) -> str:
    return "SIM" + hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class ClearingHouse:
    """The simulator over one clearing directory (the bank's ``CLEARING_DIR``)."""

    def __init__(self, root: Path | str, *, rule_table: tuple[rules.Rule, ...] | None = None) -> None:
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.home = self.root / "simulator"
        self.taken_dir = self.home / "taken"
        self.pending_dir = self.home / "pending"
        for folder in (self.outbox, self.inbox, self.taken_dir, self.pending_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.rules = rule_table if rule_table is not None else rules.load(self.home / "rules.json")

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # One house at a time over a directory: a beat task and a command may overlap.
        with open(self.home / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- a run ---------------------------------------------------------------------------------

    def run(self, *, now: datetime) -> Summary:
        """Take every new outbox file, then deliver every answer that is due at ``now``."""
        summary = Summary()
        with self._lock():
            for path in sorted(self.outbox.glob("*.xml")):
                if path.name.startswith(".") or (self.taken_dir / f"{path.name}.json").exists():
                    continue
                self._take(path, now=now)
                summary.taken.append(path.name)
            summary.written = self._deliver_due(now=now)
            summary.pending = sum(1 for _ in self.pending_dir.glob("*.json"))
        return summary

    def _take(self, path: Path, *, now: datetime) -> None:
        try:
            kind, msg_id, txs = messages.read_outgoing(path.read_bytes())
        except (ValueError, IndexError) as error:
            self._record(path.name, {"refused": str(error)})
            return
        if kind != messages.PACS008:
            # The bank's own returns (pacs.004): the house passes them on to the other bank.
            self._record(path.name, {"kind": kind, "msg_id": msg_id})
            return
        decided: dict[str, str] = {}
        # (due moment, what, status or reason) -> the transactions answered together in one file.
        plan: dict[tuple[datetime, str, str, str | None], list[Tx]] = defaultdict(list)
        for tx in txs:
            outcome = rules.decide(
                self.rules,
                iban=tx.creditor_iban,
                name=tx.creditor_name,
                amount_minor=messages.minor_of(tx.amount, tx.currency),
            )
            decided[tx.tx_id] = outcome.kind
            for due, what, status, reason in self._answers(tx, outcome, now=now):
                plan[(due, what, status, reason)].append(tx)
        for (due, what, status, reason), group in plan.items():
            answer_id = _msg_id(msg_id, what, status, reason or "", due.isoformat())
            self._pend(
                answer_id,
                {
                    "due_at": due.isoformat(),
                    "what": what,
                    "status": status,
                    "reason": reason,
                    "orig_msg_id": msg_id,
                    "txs": [{**asdict(tx), "settlement_date": tx.settlement_date.isoformat()} for tx in group],
                },
            )
        self._record(path.name, {"kind": kind, "msg_id": msg_id, "taken_at": now.isoformat(), "decided": decided})

    def _answers(self, tx: Tx, outcome: rules.Outcome, *, now: datetime) -> list[tuple[datetime, str, str, str | None]]:
        """The answers one transaction gets: (when, "status" | "duplicate" | "return", TxSts or code, reason)."""
        kind = outcome.kind
        if tx.instant:
            deadline = rules.INSTANT_DEADLINE_SECONDS
            if kind == rules.NOANSWER:
                return [(now, "status", "RJCT", "AB05")]
            if kind in (rules.DELAY, rules.PENDING) and outcome.seconds > deadline:
                # The house gives up at the deadline; the creditor bank's acceptance still comes, late.
                return [
                    (now, "status", "RJCT", "AB05"),
                    (now + timedelta(seconds=outcome.seconds), "late", "ACSC", None),
                ]
        if kind == rules.NOANSWER:
            return []
        if kind == rules.REJECT:
            return [(now, "status", "RJCT", outcome.code)]
        if kind == rules.DELAY:
            return [(now + timedelta(seconds=outcome.seconds), "status", "ACSC", None)]
        if kind == rules.PENDING:
            return [(now, "status", "PDNG", None), (now + timedelta(seconds=outcome.seconds), "status", "ACSC", None)]
        answers: list[tuple[datetime, str, str, str | None]] = [(now, "status", "ACSC", None)]
        if kind == rules.DUPLICATE:
            # A report of its own, delivered twice byte for byte under two file names.
            return [(now, "status-dup", "ACSC", None), (now, "duplicate", "ACSC", None)]
        if kind == rules.RETURN:
            due_day = add_business_days(max(tx.settlement_date, now.astimezone(CET).date()), outcome.days)
            due = max(now, datetime.combine(due_day, datetime.min.time(), CET) + timedelta(hours=9))
            answers.append((due, "return", outcome.code or "MS03", outcome.code))
        return answers

    def _deliver_due(self, *, now: datetime) -> list[str]:
        written = []
        for path in sorted(self.pending_dir.glob("*.json")):
            record = json.loads(path.read_text())
            if datetime.fromisoformat(record["due_at"]) > now:
                continue
            answer_id = path.stem
            txs = [Tx(**{**tx, "settlement_date": date.fromisoformat(tx["settlement_date"])}) for tx in record["txs"]]
            if record["what"] == "return":
                data = messages.payment_return(
                    msg_id=answer_id,
                    now=now,
                    settlement_date=now.astimezone(CET).date(),
                    returns=[(tx, record["reason"]) for tx in txs],
                )
            else:
                # A duplicate is the very same report (same MsgId) delivered a second time.
                report_id = (
                    _msg_id(record["orig_msg_id"], "status-dup", "ACSC", "", record["due_at"])
                    if record["what"] == "duplicate"
                    else answer_id
                )
                data = messages.status_report(
                    msg_id=report_id,
                    now=datetime.fromisoformat(record["due_at"]),
                    orig_msg_id=record["orig_msg_id"],
                    answers=[(tx, record["status"], record["reason"]) for tx in txs],
                )
            name = f"{answer_id}.xml"
            _atomic_write(self.inbox / name, data)
            path.unlink()
            written.append(name)
        return written

    def _pend(self, answer_id: str, record: dict[str, Any]) -> None:
        path = self.pending_dir / f"{answer_id}.json"
        if not path.exists():
            _atomic_write(path, json.dumps(record).encode())

    def _record(self, name: str, record: dict[str, Any]) -> None:
        _atomic_write(self.taken_dir / f"{name}.json", json.dumps(record).encode())

    # --- incoming transfers (demos and tests) ------------------------------------------------

    def inject_credit(
        self,
        *,
        now: datetime,
        creditor_iban: str,
        creditor_name: str,
        amount: str,
        debtor_name: str = "SIM Payer",
        debtor_iban: str = "FR1420041010050500013M02606",
        currency: str = "EUR",
        end_to_end_id: str | None = None,
        msg_id: str | None = None,
    ) -> str:
        """Put an incoming pacs.008 (another bank's customer paying ``creditor_iban``) in the inbox; its MsgId."""
        msg_id = msg_id or _msg_id("credit", uuid.uuid4().hex)
        tx = Tx(
            msg_id=msg_id,
            tx_id=msg_id[:30] + "-1",
            end_to_end_id=end_to_end_id or "NOTPROVIDED",
            amount=amount,
            currency=currency,
            settlement_date=now.astimezone(CET).date(),
            debtor_name=debtor_name,
            debtor_iban=debtor_iban,
            creditor_name=creditor_name,
            creditor_iban=creditor_iban.replace(" ", "").upper(),
            instant=False,
        )
        data = messages.credit_transfer(
            msg_id=msg_id, now=now, settlement_date=tx.settlement_date, txs=[tx], debtor_bic=BIC
        )
        _atomic_write(self.inbox / f"{msg_id}.xml", data)
        return msg_id
