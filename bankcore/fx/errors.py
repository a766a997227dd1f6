"""Refusals of the rates table: each rule its class, each a stable ``code``."""

from __future__ import annotations

from bankcore.errors import DomainError


class RateUnavailable(DomainError):
    """No usable reference rate: what it would price is refused, never priced at a guess."""

    code = "fx_rate_unavailable"


class RateMissing(RateUnavailable):
    """No reference rate is known for this currency."""

    code = "fx_rate_missing"


class RateStale(RateUnavailable):
    """The latest reference rate for this currency is older than FX_RATE_MAX_AGE_HOURS."""

    code = "fx_rate_stale"


class RateFileInvalid(DomainError):
    """A rates file that cannot be loaded; the message names the line and the problem."""

    code = "fx_file_invalid"


class RateConflict(RateFileInvalid):
    """A published rate never changes: the file gives another mid for a known (pair, moment)."""

    code = "fx_rate_conflict"
