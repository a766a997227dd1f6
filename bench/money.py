"""Money parsing and formatting throughput (no database)."""

from __future__ import annotations

import time

from bankcore.money import Money
from bench.result import NO_DATABASE, emit


def run() -> None:
    samples = [f"{n}.{n % 100:02d}" for n in range(10_000)]
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for text in samples:
            Money.of(text, "EUR").to_decimal_string()
    elapsed = time.perf_counter() - start
    emit("money.parse_format_ops_per_s", rounds * len(samples) / elapsed, "ops/s", database=NO_DATABASE)
