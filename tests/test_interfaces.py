"""An app's door carries its events: a subscriber imports nothing of another app but its interface."""

from __future__ import annotations

import importlib

import pytest

CONTEXTS = ["accounts", "wallets", "payments", "kyc", "fraud", "reporting"]


@pytest.mark.parametrize("ctx", CONTEXTS)
def test_interface_re_exports_every_event_name(ctx: str) -> None:
    events = importlib.import_module(f"apps.{ctx}.events")
    interface = importlib.import_module(f"apps.{ctx}.interface")
    published = {name for name in vars(events) if name.isupper() and name != "ALL"}
    missing = {name for name in published if getattr(interface, name, None) is not getattr(events, name)}
    assert not missing, f"apps.{ctx}.interface does not re-export {sorted(missing)}"


def test_fraud_publishes_events_through_its_door() -> None:
    from apps.fraud import interface

    assert interface.CASE_RELEASED == "fraud.case.released"
