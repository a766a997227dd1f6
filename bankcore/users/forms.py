"""Forms of the identity pages: a one-time password, a profile, an e-mail change confirmed by SCA."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import AddEmailForm
from django import forms
from django.utils import timezone

from bankcore.sca import services as sca
from bankcore.text import validate_name
from bankcore.users import services


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, required=False, validators=[validate_name])


class ChangeEmailForm(AddEmailForm):  # type: ignore[misc]  # untyped base
    """allauth's e-mail change, plus the second factor: changing the address is a sensitive action."""

    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        email = cleaned.get("email")
        if email and services.second_factor_enrolled(user_id=self.user.pk):
            try:
                sca.challenge_confirm(
                    user_id=self.user.pk,
                    action="email_change",
                    details={"email": email},
                    otp_token=cleaned.get("otp_token") or "",
                    now=timezone.now(),
                )
            except sca.ChallengeRefused as refused:
                self.add_error("otp_token", str(refused))
        return cleaned
