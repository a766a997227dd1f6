"""The back office's partner forms: what staff type, checked for shape only (the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from oauth2_provider.settings import oauth2_settings

from bankcore.users import services as users

REASON_HELP = "Why: kept with your name in the partner's log."


def _scope_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} — {label}") for name, label in sorted(oauth2_settings.SCOPES.items())]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text=REASON_HELP, widget=forms.TextInput(attrs={"size": 60}))


class ActingForField(forms.CharField):
    """A customer's e-mail, given as the customer's user id (None when blank)."""

    def clean(self, value: Any) -> int | None:
        email = super().clean(value).strip()
        if not email:
            return None
        customer_id = users.user_id_for_email(email=email)
        if customer_id is None:
            raise forms.ValidationError(f"No customer with e-mail {email}.")
        return customer_id


class PartnerCreateForm(ReasonForm):
    name = forms.CharField(max_length=200)
    contact_email = forms.EmailField(required=False, help_text="Told when one of its webhook endpoints is disabled.")
    scopes = forms.MultipleChoiceField(choices=_scope_choices, widget=forms.CheckboxSelectMultiple)
    acting_for = ActingForField(
        required=False, label="Acts for (customer e-mail)", help_text="The business customer it serves."
    )
    field_order = ["name", "contact_email", "scopes", "acting_for", "reason"]


class ScopesForm(ReasonForm):
    scopes = forms.MultipleChoiceField(choices=_scope_choices, widget=forms.CheckboxSelectMultiple)
    field_order = ["scopes", "reason"]


class ActingForForm(ReasonForm):
    acting_for = ActingForField(required=False, label="Acts for (customer e-mail)", help_text="Blank: for nobody.")
    field_order = ["acting_for", "reason"]
