"""Payments fixtures: KYC tiers and products, funded accounts, and the clearing simulator's VoP
endpoint served over real HTTP from a thread (the bank's client talks to it as to another bank)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler

from apps.accounts.services import products
from apps.kyc import services as kyc_services


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadedServer(WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="session")
def vop_server() -> Iterator[str]:
    """The whole Django app on a loopback port; the VoP view touches no database."""
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_ThreadedServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/simulators/clearing/vop/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def vop_over_http(settings: Any, vop_server: str) -> str:
    settings.CLEARING_VOP_URL = vop_server
    return vop_server
