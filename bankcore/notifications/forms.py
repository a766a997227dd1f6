from __future__ import annotations

from typing import Any

from django import forms

from bankcore.notifications.selectors import PreferenceView


class PreferencesForm(forms.Form):
    """One checkbox per registered kind: e-mail on or off (the inbox always receives it)."""

    def __init__(self, *args: Any, preferences: list[PreferenceView], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pref in preferences:
            self.fields[pref.kind] = forms.BooleanField(
                label=pref.label, required=False, initial=pref.email, help_text="Also send an e-mail"
            )

    def email_choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in self.fields}
