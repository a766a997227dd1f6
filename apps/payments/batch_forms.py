"""Portal forms of bulk payouts: input shape only; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.payments.batch_parsing import MAX_FILE_BYTES


class BatchUploadForm(forms.Form):
    source_account = forms.TypedChoiceField(label="Pay from", coerce=int)
    file = forms.FileField(
        label="File (CSV or pain.001.001.10 XML)",
        help_text="Columns: name, iban, amount, currency, reference, and optionally end_to_end_id, execution_date.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xml,text/csv,application/xml,text/xml"}),
    )
    skip_payee_check = forms.BooleanField(
        label="Skip the payee name check for this file",
        help_text="Business customers may opt out for bulk files; your choice is recorded with the batch.",
        required=False,
    )

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["source_account"].choices = accounts  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"A file is at most {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        return upload
