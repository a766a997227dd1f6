"""The clearing house simulator: its rule table, its answers, and that it knows nothing of the bank."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from apps.payments import iso20022 as iso
from simulators.clearing import DEFAULT_RULES, ClearingHouse, Outcome, Rule, decide
from simulators.clearing import rules as simrules

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def send(root: Path, *names: str, instant: bool = False, amount_minor: int = 1000) -> str:
    transactions = [
        iso.CreditTransfer(
            tx_id=f"TX{n}",
            end_to_end_id=f"E{n}",
            amount_minor=amount_minor,
            currency="EUR",
            debtor=iso.Agent("Alice", "DE89370400440532013000", "BCORDEB1XXX"),
            creditor=iso.Agent(name, "FR1420041010050500013M02606", None),
        )
        for n, name in enumerate(names)
    ]
    msg_id = f"BC{len(list((root / 'outbox').glob('*.xml')) if (root / 'outbox').exists() else [])}"
    data = iso.write_credit_transfers(
        msg_id=msg_id, created_at=NOW, settlement_date=date(2026, 12, 2), transactions=transactions, instant=instant
    )
    (root / "outbox").mkdir(parents=True, exist_ok=True)
    (root / "outbox" / f"{msg_id}.xml").write_bytes(data)
    return msg_id


def answers(root: Path) -> dict[str, list[tuple[str, str | None]]]:
    """tx id -> [(status or RTRN, reason)] over every inbox file, each read by the bank's XSD-validating reader."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for path in sorted((root / "inbox").glob("*.xml")):
        message = iso.read(path.read_bytes())
        if isinstance(message, iso.StatusReport):
            for tx in message.transactions:
                found.setdefault(tx.orig_tx_id, []).append((tx.status, tx.reason_code))
        elif isinstance(message, iso.ReturnMessage):
            for rtx in message.transactions:
                found.setdefault(rtx.orig_tx_id, []).append(("RTRN", rtx.reason_code))
    return found


class TestRules:
    @pytest.mark.parametrize(
        ("name", "outcome"),
        [
            ("Bob Example", Outcome("accept")),
            ("SIM REJECT AC04", Outcome("reject", code="AC04")),
            ("SIM REJECT AM04", Outcome("reject", code="AM04")),
            ("SIM RETURN MD07 2", Outcome("return", code="MD07", days=2)),
            ("SIM RETURN AC06 9", Outcome("return", code="AC06", days=3)),  # at most three business days
            ("SIM NOANSWER", Outcome("noanswer")),
            ("SIM DELAY 30", Outcome("delay", seconds=30)),
            ("SIM DUPLICATE", Outcome("duplicate")),
            ("SIM VOP CMTC", Outcome("accept")),
        ],
    )
    def test_default_rules_read_the_creditor_name(self, name: str, outcome: Outcome) -> None:
        assert decide(DEFAULT_RULES, iban="FR1420041010050500013M02606", name=name, amount_minor=100) == outcome

    def test_a_table_matches_on_iban_name_and_amount(self) -> None:
        table = (
            Rule(outcome=Outcome("reject", code="AM04"), min_minor=100_000),
            Rule(outcome=Outcome("reject", code="AC01"), iban_prefix="IT"),
            Rule(outcome=Outcome("reject", code="RR01"), name_prefix="Shady"),
            *DEFAULT_RULES,
        )
        assert decide(table, iban="FR76", name="Bob", amount_minor=100_000).code == "AM04"
        assert decide(table, iban="IT60", name="Bob", amount_minor=5).code == "AC01"
        assert decide(table, iban="FR76", name="Shady Ltd", amount_minor=5).code == "RR01"
        assert decide(table, iban="FR76", name="Bob", amount_minor=5).kind == "accept"

    def test_a_rules_file_is_tried_first_and_a_bad_one_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "rules.json"
        path.write_text(json.dumps([{"iban_prefix": "FR", "outcome": {"kind": "reject", "code": "BE04"}}]))
        assert decide(simrules.load(path), iban="FR14", name="Bob", amount_minor=1).code == "BE04"
        path.write_text(json.dumps([{"outcome": {"kind": "reject"}}]))
        with pytest.raises(ValueError, match="reason code"):
            simrules.load(path)


class TestHouse:
    def test_answers_are_valid_and_follow_the_rules(self, tmp_path: Path) -> None:
        send(tmp_path, "Bob", "SIM REJECT AC04", "SIM NOANSWER", "SIM RETURN MD07 1")
        house = ClearingHouse(tmp_path)
        house.run(now=NOW)
        assert answers(tmp_path) == {"TX0": [("ACSC", None)], "TX1": [("RJCT", "AC04")], "TX3": [("ACSC", None)]}
        house.run(now=NOW + timedelta(days=1, hours=1))
        assert answers(tmp_path)["TX3"] == [("ACSC", None), ("RTRN", "MD07")]

    def test_a_file_is_taken_once_and_a_rerun_writes_the_same_names(self, tmp_path: Path) -> None:
        send(tmp_path, "Bob", "SIM DELAY 60")
        house = ClearingHouse(tmp_path)
        assert len(house.run(now=NOW).taken) == 1
        first = sorted(p.name for p in (tmp_path / "inbox").iterdir())
        assert house.run(now=NOW).taken == []
        for path in (tmp_path / "inbox").iterdir():
            path.unlink()
        # As if the house died after deciding: its pending answers come again, under the same names.
        (tmp_path / "simulator" / "taken" / "BC0.xml.json").unlink()
        house.run(now=NOW)
        assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == first

    def test_instant_beyond_ten_seconds_is_rejected_ab05_then_accepted_late(self, tmp_path: Path) -> None:
        send(tmp_path, "SIM DELAY 30", instant=True)
        house = ClearingHouse(tmp_path)
        house.run(now=NOW)
        assert answers(tmp_path) == {"TX0": [("RJCT", "AB05")]}
        house.run(now=NOW + timedelta(seconds=30))
        assert answers(tmp_path)["TX0"] == [("RJCT", "AB05"), ("ACSC", None)] or answers(tmp_path)["TX0"] == [
            ("ACSC", None),
            ("RJCT", "AB05"),
        ]

    def test_instant_no_answer_is_ab05_at_once(self, tmp_path: Path) -> None:
        send(tmp_path, "SIM NOANSWER", instant=True)
        ClearingHouse(tmp_path).run(now=NOW)
        assert answers(tmp_path) == {"TX0": [("RJCT", "AB05")]}

    def test_duplicate_answer_is_the_same_report_twice(self, tmp_path: Path) -> None:
        send(tmp_path, "SIM DUPLICATE")
        ClearingHouse(tmp_path).run(now=NOW)
        files = sorted((tmp_path / "inbox").glob("*.xml"))
        assert len(files) == 2
        assert files[0].read_bytes() == files[1].read_bytes()

    def test_injected_credit_is_a_valid_pacs008(self, tmp_path: Path) -> None:
        msg_id = ClearingHouse(tmp_path).inject_credit(
            now=NOW, creditor_iban="DE89 3704 0044 0532 0130 00", creditor_name="Alice", amount="12.34"
        )
        message = iso.read((tmp_path / "inbox" / f"{msg_id}.xml").read_bytes())
        assert isinstance(message, iso.CreditTransferMessage)
        (tx,) = message.transactions
        assert (tx.creditor.iban, tx.amount_minor) == ("DE89370400440532013000", 1234)


def test_the_simulator_imports_nothing_of_the_bank() -> None:
    code = (
        "import sys, simulators.clearing.house, simulators.clearing.rules;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('bankcore', 'apps', 'config', 'django'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    assert completed.returncode == 0, completed.stdout + completed.stderr
