"""Real threads for concurrency tests: each on its own database connection, crashes never silent."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(worker: Callable[[int], None], *, count: int, barrier: threading.Barrier | None = None) -> None:
    """Run ``worker(0)`` … ``worker(count - 1)`` in ``count`` threads and wait for all of them.

    Each thread closes its own database connection when done (Django opens one per thread). The
    first exception any thread raised is raised here, with its traceback, so a thread that died
    can never pass for one that was refused. A ``barrier`` the workers meet at is broken when one
    of them crashes, so the others stop waiting for it instead of hanging the test.
    """
    crashed: list[BaseException] = []

    def run(number: int) -> None:
        try:
            worker(number)
        except BaseException as exc:
            crashed.append(exc)
            if barrier is not None:
                barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if crashed:
        raise crashed[0]
