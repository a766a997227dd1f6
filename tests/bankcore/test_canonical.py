"""Canonical JSON: equal content, equal hash; what is stored is what was hashed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bankcore.canonical import json_round_trip, sha256_of


def test_key_order_and_nesting_order_do_not_change_the_hash() -> None:
    assert sha256_of({"a": 1, "b": {"x": 1, "y": 2}}) == sha256_of({"b": {"y": 2, "x": 1}, "a": 1})


def test_any_change_of_a_value_changes_the_hash() -> None:
    assert sha256_of({"amount_minor": 10000}) != sha256_of({"amount_minor": 10100})


def test_round_trip_gives_what_json_reads_back() -> None:
    stored = json_round_trip({"on": date(2026, 1, 2), "rate": Decimal("1.50")})
    assert stored == {"on": "2026-01-02", "rate": "1.50"}
    assert sha256_of(stored) == sha256_of({"on": date(2026, 1, 2), "rate": Decimal("1.50")})


def test_what_cannot_be_json_is_refused() -> None:
    with pytest.raises(TypeError):
        json_round_trip({"x": object()})
