"""Forms of the identity pages: a one-time password, a profile, an e-mail change confirmed by SCA.

Forms only validate what is typed: checking a code is a write (a used code is spent, a wrong one
counted), so the services the views call check it, never ``clean()``.
"""

from __future__ import annotations

from allauth.account.forms import AddEmailForm
from django import forms

from bankcore.text import validate_name

CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric"}


def code_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=16, required=required, help_text=help_text, widget=forms.TextInput(attrs=CODE_ATTRS)
    )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, required=False, validators=[validate_name])


class ChangeEmailForm(AddEmailForm):  # type: ignore[misc]  # untyped base
    """allauth's e-mail change, plus the second factor: changing the address is a sensitive action."""

    otp_token = code_field("Code from your authenticator app", required=False)


class TotpEnrolForm(forms.Form):
    """The new app's first code; plus the current factor's code, or for staff without one an enrolment token."""

    token = code_field("Code the new app shows")
    current_token = code_field("Code from your current device or a backup code", required=False)
    enrolment_token = forms.CharField(
        label="Enrolment token from an administrator",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: object, needs_current: bool, needs_enrolment_token: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["current_token"].required = needs_current
        self.fields["enrolment_token"].required = needs_enrolment_token
        if not needs_current:
            del self.fields["current_token"]
        if not needs_enrolment_token:
            del self.fields["enrolment_token"]


class BackupCodesForm(forms.Form):
    current_token = code_field("Code to make new backup codes")


class DeviceRemoveForm(forms.Form):
    """Which of the user's own devices to remove: anything else is "No such device", never a lookup."""

    device = forms.ChoiceField(error_messages={"invalid_choice": "No such device.", "required": "No such device."})
    current_token = code_field("Code to remove the device")

    def __init__(self, *args: object, device_ids: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["device"].choices = [(device_id, device_id) for device_id in device_ids]  # type: ignore[attr-defined]
