"""The fraud app's refusal, raised by its services (re-exported by ``apps.fraud.interface``)."""

from __future__ import annotations

from bankcore.errors import DomainError


class FraudRefused(DomainError):
    """The fraud back office refused the action; ``code`` says why."""

    code = "fraud_refused"


class ScreeningInputInvalid(DomainError):
    """What was given to screen cannot be screened (an IMO number with a wrong check digit, …)."""

    code = "screening_input_invalid"
