"""Onboarding forms: shapes and per-field messages; the rules themselves are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from apps.kyc.models import DocumentKind, PartyKind
from apps.kyc.models.party import Occupation, SourceOfFunds

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNTRY = {"maxlength": 2, "autocapitalize": "characters", "placeholder": "DE", "class": "country"}


class PersonalForm(forms.Form):
    kind = forms.ChoiceField(label="I am opening an account for", choices=[
        (PartyKind.PERSON, "Myself"), (PartyKind.BUSINESS, "My business")
    ], widget=forms.RadioSelect, initial=PartyKind.PERSON)  # fmt: skip
    company_name = forms.CharField(label="Company name (for a business)", max_length=200, required=False)
    legal_name = forms.CharField(label="Full legal name", max_length=200, help_text="As on your ID document")
    birth_date = forms.DateField(label="Date of birth", widget=DATE)
    nationality = forms.CharField(label="Nationality (country code)", max_length=2, widget=forms.TextInput(COUNTRY))
    phone = forms.CharField(label="Mobile phone", max_length=20, help_text="With country code, e.g. +4915123456789")
    tax_residence = forms.CharField(label="Tax residence (country code)", max_length=2, widget=forms.TextInput(COUNTRY))
    tax_id = forms.CharField(label="Tax identification number", max_length=40, required=False,
                             help_text="Leave empty to keep the one you gave before")  # fmt: skip
    occupation = forms.ChoiceField(label="Occupation", choices=[("", "Choose…"), *Occupation.choices])
    source_of_funds = forms.ChoiceField(
        label="Where your money comes from", choices=[("", "Choose…"), *SourceOfFunds.choices]
    )
    expected_monthly_volume = forms.IntegerField(
        label="Expected money in per month (EUR)", min_value=0, max_value=100_000_000
    )
    pep = forms.BooleanField(label="I am, or am close to, a politically exposed person", required=False)

    def __init__(self, *args: Any, tax_id_known: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tax_id_known = tax_id_known
        self.fields["tax_id"].help_text = (
            "Leave empty to keep the one you gave before. A business gives its VAT number on the company step."
            if tax_id_known
            else "A business gives its VAT number on the company step instead."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A person's own tax id is needed here; a business's (its VAT number) on the company step.
        if cleaned.get("kind") == PartyKind.PERSON and not cleaned.get("tax_id") and not self.tax_id_known:
            self.add_error("tax_id", "This field is required.")
        if cleaned.get("kind") == PartyKind.BUSINESS and not cleaned.get("company_name"):
            self.add_error("company_name", "A business needs its company name.")
        return cleaned

    def clean_nationality(self) -> str:
        return str(self.cleaned_data["nationality"]).strip().upper()

    def clean_tax_residence(self) -> str:
        return str(self.cleaned_data["tax_residence"]).strip().upper()


class AddressForm(forms.Form):
    address_line = forms.CharField(label="Street and number", max_length=200)
    address_postcode = forms.CharField(label="Postcode", max_length=20)
    address_city = forms.CharField(label="City", max_length=100)
    address_country = forms.CharField(label="Country (country code)", max_length=2, widget=forms.TextInput(COUNTRY))

    def clean_address_country(self) -> str:
        return str(self.cleaned_data["address_country"]).strip().upper()


class CompanyForm(forms.Form):
    company_name = forms.CharField(label="Company name", max_length=200)
    registration_number = forms.CharField(label="Registration number", max_length=50)
    company_country = forms.CharField(
        label="Country of registration (code)", max_length=2, widget=forms.TextInput(COUNTRY)
    )
    tax_id = forms.CharField(label="VAT number of the company", max_length=40, required=False)

    def __init__(self, *args: Any, tax_id_known: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].required = not tax_id_known
        if tax_id_known:
            self.fields["tax_id"].help_text = "Leave empty to keep the one you gave before"

    def clean_company_country(self) -> str:
        return str(self.cleaned_data["company_country"]).strip().upper()


class OwnerForm(forms.Form):
    name = forms.CharField(label="Owner's full name", max_length=200)
    birth_date = forms.DateField(label="Owner's date of birth", widget=DATE)
    nationality = forms.CharField(label="Owner's nationality (code)", max_length=2, widget=forms.TextInput(COUNTRY))
    ownership_percent = forms.DecimalField(label="Share owned (%)", min_value=0, max_value=100, decimal_places=2)

    def clean_nationality(self) -> str:
        return str(self.cleaned_data["nationality"]).strip().upper()


ACCEPT = "image/jpeg,image/png,application/pdf"


class DocumentField(forms.FileField):
    """A file input; what the file is gets decided by its content in the service, not here."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("help_text", f"JPEG, PNG or PDF, at most {settings.KYC_UPLOAD_MAX_BYTES // 1_000_000} MB")
        super().__init__(**kwargs)


class IdDocumentForm(forms.Form):
    id_front = DocumentField(label="Front of your ID card or passport photo page")
    id_back = DocumentField(label="Back of your ID card (for a passport: the signature page)")


class SelfieForm(forms.Form):
    selfie = DocumentField(
        label="A photo of your face", help_text="JPEG or PNG, your face clearly visible, no hat or sunglasses"
    )


class CompanyDocumentForm(forms.Form):
    company_registration = DocumentField(label="Extract from the company register")


class ExtraDocumentForm(forms.Form):
    kind = forms.ChoiceField(label="What you are sending", choices=DocumentKind.choices)
    file = DocumentField(label="File")
