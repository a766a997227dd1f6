"""pgbench driven from the bench: over TCP like the ledger's clients, prepared like its calls."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote


def run_pgbench(pgbench: str, server: Any, database: str, args: Sequence[str]) -> str:
    env = dict(os.environ, PGPASSWORD=unquote(server.password or ""))
    command = [
        pgbench,
        "-h",
        server.hostname or "127.0.0.1",  # TCP, like the ledger's clients
        "-p",
        str(server.port or 5432),
        "-U",
        unquote(server.username or "postgres"),
        *args,
        database,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or "aborted" in done.stderr:
        raise RuntimeError(f"pgbench {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def pgbench_tps(
    pgbench: str, server: Any, database: str, *, seconds: float, clients: int, args: Sequence[str] = ()
) -> float:
    """Transactions per second of a timed run (TPC-B-like unless ``args`` name a script)."""
    # Prepared, as the ledger's calls are (DATABASE_PREPARED_STATEMENTS); -T takes whole seconds.
    timed = ["-M", "prepared", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(max(1, round(seconds)))]
    out = run_pgbench(pgbench, server, database, [*timed, *args])
    match = re.search(r"tps = ([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"no tps in pgbench output: {out}")
    return float(match.group(1))
