"""The thread runner of the concurrency tests: a crash is raised, never passed over, and never hangs the rest."""

from __future__ import annotations

import threading

import pytest

from bankcore.testing.threads import run_concurrently


def test_every_worker_runs_once() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        with lock:
            seen.append(number)

    run_concurrently(worker, count=4)
    assert sorted(seen) == [0, 1, 2, 3]


def test_a_crash_is_raised_and_frees_the_others_from_the_barrier() -> None:
    start = threading.Barrier(3)

    def worker(number: int) -> None:
        if number == 1:
            raise RuntimeError("thread 1 died")
        start.wait(timeout=30)  # would wait for thread 1 for ever without the abort

    with pytest.raises(RuntimeError, match="thread 1 died"):  # the cause, not the broken barrier it left
        run_concurrently(worker, count=3, barrier=start)
