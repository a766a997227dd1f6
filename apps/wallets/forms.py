"""wallets: the portal's forms. They parse and validate input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.wallets.models import Currency
from bankcore.money import Money, MoneyError

CURRENCIES = Currency.choices


class _AmountMixin(forms.Form):
    def money(self, field: str = "amount", currency_field: str = "currency") -> Money | None:
        text = (self.cleaned_data.get(field) or "").strip()
        currency = self.cleaned_data.get(currency_field) or "EUR"
        if not text:
            return None
        try:
            money = Money.of(text, currency)
        except MoneyError:
            self.add_error(field, f"Write an amount of {currency}, e.g. 12.50.")
            return None
        if money.minor <= 0:
            self.add_error(field, "The amount must be greater than zero.")
            return None
        return money

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["money"] = self.money()
        return data


class SendForm(_AmountMixin):
    currency = forms.ChoiceField(choices=CURRENCIES, label="From wallet")
    address = forms.CharField(label="To (e-mail or phone number)", max_length=254)
    amount = forms.CharField(label="Amount", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label="Note (optional)", max_length=140, required=False)


class ConfirmForm(forms.Form):
    """The review step posted back: what was shown, the key of this attempt, and a code if needed."""

    currency = forms.ChoiceField(choices=CURRENCIES)
    address = forms.CharField(max_length=254)
    amount = forms.CharField(max_length=20)
    note = forms.CharField(max_length=140, required=False)
    key = forms.CharField(max_length=64)
    otp_token = forms.CharField(max_length=12, required=False)


class RequestForm(_AmountMixin):
    currency = forms.ChoiceField(choices=CURRENCIES)
    address = forms.CharField(label="Ask (e-mail or phone number)", max_length=254)
    amount = forms.CharField(label="Amount", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label="What for (optional)", max_length=140, required=False)


class ReceiveForm(_AmountMixin):
    currency = forms.ChoiceField(choices=CURRENCIES)
    amount = forms.CharField(label="Amount (optional)", max_length=20, required=False)


class PayQrForm(_AmountMixin):
    code = forms.CharField(label="Payment code (from the QR)", max_length=600, widget=forms.Textarea(attrs={"rows": 3}))
    currency = forms.ChoiceField(choices=CURRENCIES, required=False)
    amount = forms.CharField(label="Amount (if the code names none)", max_length=20, required=False)
    key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(max_length=12, required=False, label="Code from your authenticator app")


class TopUpForm(_AmountMixin):
    currency = forms.ChoiceField(choices=CURRENCIES)
    amount = forms.CharField(label="Amount", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class ConvertForm(_AmountMixin):
    currency = forms.ChoiceField(choices=CURRENCIES, label="From")
    target = forms.ChoiceField(choices=CURRENCIES, label="To")
    amount = forms.CharField(
        label="Amount to sell", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label="Your mobile number, with its country code", max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )  # fmt: skip


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code we texted you", max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )  # fmt: skip


class WithdrawForm(_AmountMixin):
    currency = forms.ChoiceField(choices=[("EUR", "Euro")], widget=forms.HiddenInput, initial="EUR")
    iban = forms.CharField(label="To your bank account (IBAN)", max_length=42)
    amount = forms.CharField(label="Amount", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    otp_token = forms.CharField(
        label="Code from your authenticator app (not needed for a low-value withdrawal)", max_length=12, required=False
    )
