"""Money on the payments pages, formatted once with the currency's own decimals."""

from __future__ import annotations

from django import template

from bankcore.money import Money

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    return "" if value is None else value.format()


@register.filter
def iban_spaced(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


@register.filter
def minor_money(minor: int, currency: str) -> str:
    """A stored ``*_minor`` amount with its currency, as ``money`` formats a Money."""
    return Money(int(minor), currency).format()
