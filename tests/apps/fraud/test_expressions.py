from __future__ import annotations

from decimal import Decimal

import pytest

from apps.fraud.expressions import ConditionInvalid, compile_condition
from apps.fraud.features import CATALOGUE


@pytest.mark.parametrize(
    ("condition", "features", "expected"),
    [
        ("amount_minor >= 500000", {"amount_minor": 500000}, True),
        ("amount_minor > 500000 and is_night", {"amount_minor": 600000, "is_night": False}, False),
        ("high_risk_country or first_payment_to_country", {"first_payment_to_country": True}, True),
        ("not (hour < 6)", {"hour": 3}, False),
        ("counterparty_country in ['IR', 'KP']", {"counterparty_country": "KP"}, True),
        ("counterparty_country not in ['IR', 'KP']", {"counterparty_country": "DE"}, True),
        ("customer_sum_24h_minor - amount_minor > 100", {"customer_sum_24h_minor": 350, "amount_minor": 200}, True),
        ("amount_minor * 2 >= 1000.50", {"amount_minor": 501}, True),
        ("amount_minor / 0 > 1", {"amount_minor": 5}, False),
        ("beneficiary_age_days < 1", {"beneficiary_age_days": None}, False),  # unknown never fires
        ('risk_rating == "high"', {"risk_rating": "high"}, True),
        ("-amount_minor < -5", {"amount_minor": 6}, True),
        ("kyc_tier != null", {"kyc_tier": "basic"}, True),
    ],
)
def test_evaluates(condition: str, features: dict, expected: bool) -> None:
    assert bool(compile_condition(condition, features=CATALOGUE)(features)) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("amount > 5", "unknown feature 'amount' at column 1"),
        ("amount_minor >", "expected a literal at column 15"),
        ("(amount_minor > 5", "expected ')'"),
        ("amount_minor > 5 5", "unexpected '5' at column 18"),
        ("__import__('os')", "unknown feature '__import__'"),
        ("amount_minor ; 1", "unexpected character ';'"),
        ("", "the condition is empty"),
        # Within the 2000 characters, nesting deep enough to exhaust Python's stack.
        ("(" * 600 + "amount_minor" + ")" * 600, "nested too deeply"),
        ("-" * 1999 + "1", "nested too deeply"),
        ("not " * 499 + "true", "nested too deeply"),
        ("amount_minor" + "+1" * 900 + " > 0", "nested too deeply"),
    ],
)
def test_refuses_with_position(condition: str, message: str) -> None:
    with pytest.raises(ConditionInvalid) as refused:
        compile_condition(condition, features=CATALOGUE)
    assert message in str(refused.value)
    assert refused.value.code == "rule_condition_invalid"


def test_decimals_stay_exact() -> None:
    assert compile_condition("0.1 + 0.2 == 0.3")({}) is True
    assert compile_condition("amount_minor / 3")({"amount_minor": 1}) == Decimal(1) / Decimal(3)


def test_moderate_nesting_still_parses() -> None:
    assert compile_condition("(" * 20 + "amount_minor > 1" + ")" * 20)({"amount_minor": 2}) is True
    assert compile_condition("not " * 20 + "false")({}) is False
