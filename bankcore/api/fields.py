"""Money on the wire: ``{"amount": "12.50", "currency": "EUR"}``; inside, integer minor units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bankcore.money import Money, MoneyError, exponent, is_currency
from bankcore.text import NameRefused, name_clean


@extend_schema_field({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "example": "12.50"})
class AmountField(serializers.Field[str, str, str, Any]):
    """A decimal string of major units. JSON numbers are refused: a float cannot hold 0.10."""

    default_error_messages = {
        "not_a_string": 'Send the amount as a string of decimal major units, e.g. "12.50".',
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return data.strip()

    def to_representation(self, value: str) -> str:
        return value


class MoneyInput(serializers.Serializer[Money]):
    """Validates amount + currency together and yields ``Money`` as ``validated_data["money"]``."""

    amount = AmountField()
    currency = serializers.CharField(min_length=3, max_length=3)

    def __init__(self, *args: Any, positive: bool = True, **kwargs: Any) -> None:
        self.positive = positive
        super().__init__(*args, **kwargs)

    def validate_currency(self, value: str) -> str:
        if not is_currency(value):
            raise serializers.ValidationError(f"{value!r} is not an active ISO 4217 currency code.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            money = Money.of(attrs["amount"], attrs["currency"])
        except MoneyError as exc:
            decimals = exponent(attrs["currency"])
            message = (
                f"{attrs['currency']} amounts have at most {decimals} decimals."
                if exc.code == "too_many_decimals"
                else str(exc)
            )
            raise serializers.ValidationError({"amount": [message]}) from exc
        if self.positive and money.minor <= 0:
            raise serializers.ValidationError({"amount": ["The amount must be greater than zero."]})
        return {"money": money}


def money_output(money: Money) -> dict[str, str]:
    """The wire form of an amount."""
    return {"amount": money.to_decimal_string(), "currency": money.currency}


class NameField(serializers.CharField):
    """A person's or a company's name: NFKC, single spaces, no bidi or other invisible controls."""

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return name_clean(text)
        except NameRefused as refused:
            raise serializers.ValidationError(str(refused), code=refused.code) from None


class StrictSerializer(serializers.Serializer[Any]):
    """A serializer that refuses fields it does not know (nested ones too) instead of ignoring them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({str(name): ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)
