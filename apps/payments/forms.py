"""Portal forms of payments: input shape only; the services decide what is valid and write."""

from __future__ import annotations

from typing import Any

from django import forms

STATUS_FILTER = [("", "All")]


class PayForm(forms.Form):
    source_account = forms.TypedChoiceField(label="From", coerce=int)
    beneficiary = forms.TypedChoiceField(label="Saved payee", coerce=int, required=False, empty_value=None)
    creditor_name = forms.CharField(label="Payee's name", max_length=140, required=False)
    creditor_iban = forms.CharField(label="Payee's IBAN", max_length=42, required=False)
    amount = forms.CharField(label="Amount", max_length=24, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reference = forms.CharField(label="Reference", max_length=200, required=False)
    execution_date = forms.DateField(
        label="Pay on (leave empty for today)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    instant = forms.BooleanField(label="Instant (arrives in seconds)", required=False)

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], payees: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["source_account"].choices = accounts  # type: ignore[attr-defined]
        self.fields["beneficiary"].choices = [("", "None: type a payee below"), *payees]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("beneficiary") and not (data.get("creditor_name") and data.get("creditor_iban")):
            raise forms.ValidationError("Choose a saved payee or enter the payee's name and IBAN.")
        return data


class OtpForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class BeneficiaryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=140)
    iban = forms.CharField(label="IBAN", max_length=42)
    nickname = forms.CharField(label="Nickname", max_length=60, required=False)


class StandingOrderForm(forms.Form):
    source_account = forms.TypedChoiceField(label="From", coerce=int)
    beneficiary = forms.TypedChoiceField(label="Payee", coerce=int)
    amount = forms.CharField(label="Amount", max_length=24, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reference = forms.CharField(label="Reference", max_length=200, required=False)
    frequency = forms.ChoiceField(label="Every", choices=[("monthly", "Month"), ("weekly", "Week")])
    start_date = forms.DateField(label="First payment", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Last payment by", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label="Number of payments", required=False, min_value=1, max_value=1000)

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], payees: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["source_account"].choices = accounts  # type: ignore[attr-defined]
        self.fields["beneficiary"].choices = payees  # type: ignore[attr-defined]
