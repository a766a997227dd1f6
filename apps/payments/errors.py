"""The payments app's refusals, each with a stable ``code``."""

from __future__ import annotations

from bankcore.errors import DomainError


class PaymentRefused(DomainError):
    """The payment cannot be made; ``code`` says why."""

    code = "payment_refused"


class PaymentInvalid(PaymentRefused):
    """What was asked is not a valid payment (IBAN, amount, reference, date…); nothing was written.

    ``field`` names the input at fault, for a form error or the problem's ``errors``.
    """

    code = "invalid_payment"


class PaymentInputInvalid(PaymentInvalid):
    """The payment as sent is malformed (IBAN, amount, reference, date…) or names no account of the payer's.

    Corrected and sent again rather than refused for good: the API frees its ``Idempotency-Key``.
    A payment the rules refuse on the accounts or the payee (``payee_cannot_receive``,
    ``account_cannot_send``, …) is a plain ``PaymentInvalid``.
    """

    input_error = True


class PaymentNotFound(DomainError):
    """No such payment (or not the caller's)."""

    status_code = 404
    code = "payment_not_found"


class TransitionRefused(DomainError):
    """The payment cannot go from its status to the one asked for."""

    status_code = 409
    code = "transition_not_allowed"


class BeneficiaryRefused(DomainError):
    """The beneficiary cannot be saved or changed; ``code`` says why."""

    code = "beneficiary_refused"


class BeneficiaryNotFound(DomainError):
    status_code = 404
    code = "beneficiary_not_found"


class StandingOrderRefused(DomainError):
    code = "standing_order_refused"


class StandingOrderNotFound(DomainError):
    status_code = 404
    code = "standing_order_not_found"
