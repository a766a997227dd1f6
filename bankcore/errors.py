"""The base of every business refusal raised by a service."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a caller can act on; ``code`` is stable and machine-readable.

    Subclasses set ``code`` (a default) and may pass a more specific one per instance.
    ``status_code`` is the HTTP status the API answers with. ``field``, when the refusal is about
    one input, names it as the caller sent it (``valid_until``, ``access.accounts``), so the API's
    problem lists it under ``errors``.
    """

    status_code = 422
    code = "refused"
    field = ""

    def __init__(self, message: str = "", *, code: str | None = None, field: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code is not None:
            self.code = code
        if field:
            self.field = field
