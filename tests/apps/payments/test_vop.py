"""Verification of payee: this bank answers for its own IBANs; another bank over HTTP."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.payments.services import vop
from simulators.clearing import vop as simulator
from tests.apps.payments.factories import EXTERNAL_IBAN, payer

SIMULATOR = Path(simulator.__file__)


class TestSimulator:
    @pytest.mark.parametrize(
        ("name", "result", "matched"),
        [
            ("Max Mustermann", "MTCH", None),
            ("max  MUSTERMANN", "MTCH", None),
            ("Mustermann, Max", "CMTC", "Max Mustermann"),
            ("Max Musterman", "CMTC", "Max Mustermann"),
            ("Erika Musterfrau", "NMTC", None),
            ("SIM VOP NOAP", "NOAP", None),
            ("SIM VOP NMTC", "NMTC", None),
        ],
    )
    def test_answers(self, name: str, result: str, matched: str | None) -> None:
        assert simulator.answer(name=name, iban=EXTERNAL_IBAN) == {"result": result, "matched_name": matched}

    def test_unknown_iban_matches_in_the_sandbox(self) -> None:
        assert simulator.answer(name="Anyone", iban="BE68539007547034")["result"] == "MTCH"

    def test_legal_forms_and_accents_do_not_matter(self) -> None:
        assert simulator.answer(name="ACME Handels", iban="AT611904300234573201")["result"] == "MTCH"
        assert simulator.normalise("Lucía García-López") == "lucia garcia lopez"

    def test_imports_nothing_of_the_bank(self) -> None:
        tree = ast.parse(SIMULATOR.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in modules if m.split(".")[0] in ("apps", "bankcore", "config")}


class TestEndpoint:
    def post(self, client: Client, body: Any) -> Any:
        return client.post("/simulators/clearing/vop/", json.dumps(body), content_type="application/json")

    def test_answers_json(self, client: Client) -> None:
        response = self.post(
            client, {"requesting_bic": "X", "party": {"name": "Jan de Vries", "iban": "NL91ABNA0417164300"}}
        )
        assert response.status_code == 200
        assert response.json() == {"result": "MTCH", "matched_name": None}

    @pytest.mark.parametrize(
        "body", ["nope", {"party": "x"}, {"party": {"name": 3, "iban": "x"}}, {"party": {"name": "a"}}]
    )
    def test_bad_bodies_are_400(self, client: Client, body: Any) -> None:
        raw = client.post(
            "/simulators/clearing/vop/",
            body if isinstance(body, str) else json.dumps(body),
            content_type="application/json",
        )
        assert raw.status_code == 400

    def test_get_is_refused(self, client: Client) -> None:
        assert client.get("/simulators/clearing/vop/").status_code == 405

    def test_not_mounted_when_switched_off(self) -> None:
        import importlib

        from django.test import override_settings
        from django.urls import clear_url_caches

        import config.urls

        with override_settings(SIMULATORS_MOUNTED=False):
            clear_url_caches()
            reloaded = importlib.reload(config.urls)
            assert not any("simulators" in str(p.pattern) for p in reloaded.urlpatterns)
        clear_url_caches()
        importlib.reload(config.urls)


class TestBankClient:
    def test_this_banks_iban_is_checked_against_the_holder(self) -> None:
        bob = payer(balance="0", full_name="Robert Brown")
        assert vop.payee_verify(iban=bob.account.iban, name="Robert Brown").result == "MTCH"
        close = vop.payee_verify(iban=bob.account.iban, name="Brown Robert")
        assert (close.result, close.matched_name, close.internal) == ("CMTC", "Robert Brown", True)
        assert vop.payee_verify(iban=bob.account.iban, name="Alice Smith").result == "NMTC"

    def test_another_bank_over_http(self, vop_over_http: str) -> None:
        check = vop.payee_verify(iban=EXTERNAL_IBAN, name="Mustermann Max")
        assert (check.result, check.matched_name, check.internal) == ("CMTC", "Max Mustermann", False)

    def test_an_unreachable_bank_is_noap(self, settings: Any) -> None:
        settings.CLEARING_VOP_URL = "http://127.0.0.1:9/vop/"
        settings.CLEARING_VOP_TIMEOUT_SECONDS = 0.5
        assert vop.payee_verify(iban=EXTERNAL_IBAN, name="Max Mustermann").result == "NOAP"
