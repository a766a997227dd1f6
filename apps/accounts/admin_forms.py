"""Back-office forms: a status change, an overdraft, a close, a product's new rates. Validation only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from apps.accounts.models import Account, AccountStatus, Product
from bankcore.money import Money, MoneyError, is_currency


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (AccountStatus.DEBIT_BLOCKED, "Block debits (money may still come in)"),
            (AccountStatus.BLOCKED, "Block everything"),
            (AccountStatus.OPEN, "Unblock"),
        ]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class OverdraftForm(forms.Form):
    limit = forms.CharField(label="Arranged overdraft (major units, 0 removes it)", max_length=20)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_limit(self) -> int:
        try:
            minor = Money.of(self.cleaned_data["limit"], self.currency).minor
        except (MoneyError, ValueError, TypeError):
            raise forms.ValidationError(f"Enter an amount in {self.currency}, e.g. 500.00.") from None
        if minor < 0:
            raise forms.ValidationError("An overdraft is not negative.")
        return minor


class CloseForm(forms.Form):
    sweep_to = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, label="Sweep the balance to", empty_label="(balance is zero)"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sweep_to"]
        field.queryset = (  # type: ignore[attr-defined]
            Account.objects.filter(customer_id=account.customer_id, currency=account.currency)
            .exclude(pk=account.pk)
            .exclude(status="closed")
        )


class ProductForm(forms.ModelForm[Product]):
    class Meta:
        model = Product
        fields = [
            "code", "name", "kind", "currencies", "overdraft_allowed", "max_accounts_per_customer", "min_kyc_tier",
            "monthly_fee_minor", "fee_waiver_min_average_balance_minor", "interest_posting_day",
            "is_open_for_new_accounts",
        ]  # fmt: skip

    def clean_currencies(self) -> list[str]:
        value = self.cleaned_data["currencies"]
        if isinstance(value, str):
            value = [part.strip().upper() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not value or not all(isinstance(c, str) and is_currency(c) for c in value):
            raise forms.ValidationError('A list of ISO 4217 codes, e.g. ["EUR", "GBP"].')
        return sorted(set(value), key=value.index)


class RateForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.all())
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    credit_tiers = forms.CharField(
        help_text="One tier a line: balance from (minor units) and yearly rate as a fraction, e.g. `0 0.015`.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    debit_annual_rate = forms.DecimalField(max_digits=9, decimal_places=6, min_value=Decimal(0), initial=Decimal(0))

    def clean_credit_tiers(self) -> list[tuple[int, Decimal]]:
        tiers = []
        for number, line in enumerate(self.cleaned_data["credit_tiers"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                if len(parts) != 2:
                    raise ValueError
                tiers.append((int(parts[0]), Decimal(parts[1])))
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(f"Line {number}: a whole number and a decimal rate.") from None
        if not tiers:
            raise forms.ValidationError("At least one tier, from 0.")
        return tiers
