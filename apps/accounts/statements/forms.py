"""The portal's statement request form: dates and format; the range rules are the service's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms

from apps.accounts.models.statements import StatementFormat
from apps.accounts.statements import builder


class StatementRequestForm(forms.Form):
    from_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    to_date = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    fmt = forms.ChoiceField(label="Format", choices=StatementFormat.choices, initial=StatementFormat.PDF)

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("from_date"), data.get("to_date")
        if isinstance(first, date) and isinstance(last, date):
            try:
                builder.statement_range_check(from_date=first, to_date=last, now=self.now)
            except builder.StatementRefused as refused:
                raise forms.ValidationError(str(refused).capitalize() + ".", code=refused.code) from None
        return data
