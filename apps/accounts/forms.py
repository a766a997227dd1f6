"""Portal forms: the history filter and opening an account. Validation only, no writes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms

from apps.accounts.history import HistoryFilter
from apps.accounts.models import Product
from bankcore.money import Money, MoneyError

MAX_RANGE = timedelta(days=3660)  # ten years


class HistoryFilterForm(forms.Form):
    booked_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    booked_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    amount_min = forms.DecimalField(required=False, label="Amount from", min_value=Decimal(0), max_digits=18)
    amount_max = forms.DecimalField(required=False, label="Amount up to", min_value=Decimal(0), max_digits=18)
    direction = forms.ChoiceField(
        required=False, label="Direction", choices=[("", "In and out"), ("in", "Money in"), ("out", "Money out")]
    )
    q = forms.CharField(required=False, label="Text", max_length=100, strip=True)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def _minor(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        try:
            return Money.of(value, self.currency).minor
        except MoneyError:
            self.add_error(name, f"Enter an amount in {self.currency} with at most its decimals.")
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("booked_from"), data.get("booked_to")
        if start and end and start > end:
            self.add_error("booked_to", "The end date is before the start date.")
        elif start and end and end - start > MAX_RANGE:
            self.add_error("booked_to", "Choose a range of at most ten years.")
        low, high = self._minor("amount_min"), self._minor("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The upper amount is below the lower one.")
        data["amount_min_minor"], data["amount_max_minor"] = low, high
        return data

    def history_filter(self) -> HistoryFilter:
        data = self.cleaned_data
        return HistoryFilter(
            booked_from=data.get("booked_from"),
            booked_to=data.get("booked_to"),
            amount_min_minor=data.get("amount_min_minor"),
            amount_max_minor=data.get("amount_max_minor"),
            direction=data.get("direction") or "",
            text=data.get("q") or "",
        )


class AccountOpenForm(forms.Form):
    product = forms.ChoiceField(label="Account")
    currency = forms.ChoiceField(label="Currency")
    nickname = forms.CharField(label="Name it (optional)", required=False, max_length=60)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.code, p.name) for p in products]  # type: ignore[attr-defined]
        currencies = sorted({c for p in products for c in p.currencies})
        self.fields["currency"].choices = [(c, c) for c in currencies]  # type: ignore[attr-defined]
