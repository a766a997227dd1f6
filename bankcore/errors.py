"""The base of every business refusal raised by a service."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a caller can act on; ``code`` is stable and machine-readable.

    Subclasses set ``code`` (a default) and may pass a more specific one per instance.
    ``status_code`` is the HTTP status the API answers with. ``field``, when the refusal is about
    one input, names it as the caller sent it (``valid_until``, ``access.accounts``), so the API's
    problem lists it under ``errors``.

    ``input_error`` sets a refusal of the request as sent (a malformed IBAN, too many decimals,
    a date in the past, an unreadable file, an account id that names none of the caller's)
    apart from one the business rules decided on the state of things (funds, limits, the
    payee, a status, a consent): the first is corrected and sent again, so an API
    ``Idempotency-Key`` is not spent on it; the second is that key's answer. Refusals are the
    second kind unless they say otherwise.
    """

    status_code = 422
    code = "refused"
    field = ""
    input_error = False

    def __init__(
        self, message: str = "", *, code: str | None = None, field: str = "", input_error: bool | None = None
    ) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code is not None:
            self.code = code
        if field:
            self.field = field
        if input_error is not None:
            self.input_error = input_error

    def field_errors(self) -> dict[str, list[str]]:
        """The messages by input at fault, dotted for a nested one (``creditor.iban``); empty when none is."""
        return {self.field: [str(self)]} if self.field else {}
