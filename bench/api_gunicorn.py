"""gunicorn settings for ``bench/api.py``: the app and the name analysers loaded once, before the fork.

Without it every worker loads the analysers on its first payment (seconds each), which the
timed run would measure, and a busy machine can take longer than gunicorn lets a request run.
"""

from __future__ import annotations

from typing import Any

preload_app = True
timeout = 120


def when_ready(server: Any) -> None:
    from django.db import connections

    from apps.fraud import interface as fraud

    fraud.screen_name("Warm Up Name")
    fraud.name_similarity("Warm Up", "Warm Upp")
    connections.close_all()  # the workers must not share the master's socket
