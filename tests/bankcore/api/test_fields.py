from typing import Any

import pytest

from bankcore.api.fields import MoneyInput, money_output
from bankcore.money import Money


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"amount": "12.50", "currency": "EUR"}, Money(1250, "EUR")),
        ({"amount": "1000", "currency": "JPY"}, Money(1000, "JPY")),
    ],
)
def test_valid_amounts_become_money(data: dict[str, Any], expected: Money) -> None:
    serializer = MoneyInput(data=data)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["money"] == expected


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": 12.5, "currency": "EUR"}, "amount"),  # a JSON number
        ({"amount": "1.005", "currency": "EUR"}, "amount"),
        ({"amount": "1.5", "currency": "JPY"}, "amount"),
        ({"amount": "0", "currency": "EUR"}, "amount"),
        ({"amount": "-3.00", "currency": "EUR"}, "amount"),
        ({"amount": "ten", "currency": "EUR"}, "amount"),
        ({"amount": "1.00", "currency": "XXX"}, "currency"),
        ({"amount": "1.00"}, "currency"),
    ],
)
def test_bad_amounts_are_refused_on_the_right_field(data: dict[str, Any], field: str) -> None:
    serializer = MoneyInput(data=data)
    assert not serializer.is_valid()
    assert field in serializer.errors


def test_output_uses_the_currency_decimals() -> None:
    assert money_output(Money(5, "KWD")) == {"amount": "0.005", "currency": "KWD"}


@pytest.mark.parametrize("amount", ["\u0661\u0662.\u0665\u0660", "\uff11\uff12.\uff15\uff10", "\u0661\u0662"])
def test_amounts_in_other_scripts_digits_are_refused(amount: str) -> None:
    serializer = MoneyInput(data={"amount": amount, "currency": "EUR"})
    assert not serializer.is_valid()
    assert "amount" in serializer.errors
