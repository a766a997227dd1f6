"""How a stored document leaves the bank: one response shape for the customer's and staff's doors."""

from __future__ import annotations

from typing import Protocol

from django.http import HttpResponse

# A document is a page of its own: nothing in it may run, load, submit or be framed.
DOCUMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'none'; frame-ancestors 'none'; sandbox"


class Servable(Protocol):
    @property
    def content(self) -> bytes: ...
    @property
    def media_type(self) -> str: ...
    @property
    def filename(self) -> str: ...


def document_response(file: Servable, *, attachment: bool = False) -> HttpResponse:
    """The file as its own response: its real type, never sniffed, inline only if an image."""
    response = HttpResponse(file.content, content_type=file.media_type)
    inline = file.media_type.startswith("image/") and not attachment
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{file.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Security-Policy"] = DOCUMENT_CSP  # django-csp leaves a policy already set alone
    return response
