"""``{{ amount|money }}``: Money on screen with the currency's own decimals and thousands separators."""

from __future__ import annotations

from django import template

from bankcore.money import Money

register = template.Library()


@register.filter
def money(value: object) -> str:
    return value.format() if isinstance(value, Money) else ""


@register.filter
def iban_spaced(value: object) -> str:
    """The IBAN in groups of four, as printed on paper."""
    text = str(value or "")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
