"""The whole clearing round in one call, for demos and the embedded default (no worker, no beat).

``clearing_simulate_run`` lets the clearing house simulator (``simulators.clearing``, which knows
nothing of the bank) take the outbox and answer into the inbox; ``clearing_tick_run`` runs a
settlement cycle, the simulator and ingest in a row, so a demo user watches a payment settle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from apps.payments.clearing_files import clearing_dir, clearing_dir_check
from apps.payments.clearing_incoming import suspense_expire
from apps.payments.clearing_ingest import IngestResult, clearing_ingest_run
from apps.payments.settlement import CycleResult, instant_submit, settlement_cycle_run
from bankcore.errors import DomainError
from simulators.clearing import ClearingHouse, Summary


@dataclass(frozen=True)
class TickResult:
    cycle: CycleResult
    simulated: Summary
    ingested: IngestResult
    suspense_returned: int

    def lines(self) -> list[str]:
        return [
            self.cycle.line(),
            f"clearing house: {self.simulated.line()}",
            f"ingest: {self.ingested.line()}",
            f"suspense: {self.suspense_returned} returned AC01",
        ]


class SimulatorOff(DomainError):
    """The clearing house simulator does not run here (``SIMULATORS_MOUNTED`` is off, as in production)."""

    code = "simulator_off"


def clearing_simulate_run(*, now: datetime) -> Summary:
    """One run of the clearing house over ``CLEARING_DIR`` at ``now``; refused where simulators are off."""
    if not getattr(settings, "SIMULATORS_MOUNTED", False):
        raise SimulatorOff("the clearing house simulator is off here (SIMULATORS_MOUNTED=false)")
    clearing_dir_check()
    return ClearingHouse(clearing_dir()).run(now=now)


def clearing_ingest_all(*, now: datetime) -> tuple[IngestResult, int]:
    """Ingest the inbox, then return what has waited in suspense too long."""
    clearing_dir_check()
    result = clearing_ingest_run(now=now)
    return result, suspense_expire(now=now)


def clearing_tick_run(*, now: datetime) -> TickResult:
    """Cycle, clearing house, ingest: a whole round."""
    clearing_dir_check()
    cycle = settlement_cycle_run(now=now)
    simulated = clearing_simulate_run(now=now)
    ingested, expired = clearing_ingest_all(now=now)
    return TickResult(cycle=cycle, simulated=simulated, ingested=ingested, suspense_returned=expired)


def instant_send_inline(*, payment_id: int, now: datetime) -> str:
    """Embedded default: send an instant payment and have it answered at once (no worker to wait for)."""
    msg_id = instant_submit(payment_id=payment_id, now=now)
    clearing_simulate_run(now=now)
    clearing_ingest_run(now=now)
    return msg_id
