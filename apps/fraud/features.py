"""The feature catalogue that rule conditions may use, and how a transaction's features are built.

Pure: the velocity figures come in as ``Windows`` read from the incremental aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.fraud import conf
from apps.fraud.types import ProposedTransaction

CATALOGUE: dict[str, str] = {
    "amount_minor": "Amount in minor units of its currency (cents)",
    "currency": "ISO 4217 currency code, e.g. 'EUR'",
    "channel": "payment / wallet / card",
    "direction": "out / in",
    "counterparty_country": "ISO country of the other party, e.g. 'DE' (null when unknown)",
    "high_risk_country": "The other party is in a high-risk jurisdiction (FRAUD_HIGH_RISK_COUNTRIES)",
    "first_payment_to_country": "The customer has never paid to this country before",
    "new_counterparty": "No payment to this counterparty in the last 30 days",
    "beneficiary_age_days": "Days since the beneficiary was added (null when unknown)",
    "account_age_days": "Days since the account was opened (null when unknown)",
    "near_limit": "Amount is just under the structuring limit (FRAUD_STRUCTURING_LIMIT_MINOR)",
    "near_limit_count_24h": "Payments just under the limit by this customer in 24 h, this one included",
    "hour": "Local hour of the transaction, 0-23",
    "is_night": "Transaction at night (FRAUD_NIGHT_HOURS)",
    "kyc_tier": "The customer's KYC tier",
    "risk_rating": "The customer's risk rating: low / medium / high",
    "customer_kind": "The payer's kind: person / business (null when unknown)",
}
for _scope, _who in (("customer", "this customer"), ("counterparty", "this counterparty")):
    for _window in ("1h", "24h", "30d"):
        CATALOGUE[f"{_scope}_count_{_window}"] = f"Transactions of {_who} in the last {_window}, this one included"
        CATALOGUE[f"{_scope}_sum_{_window}_minor"] = (
            f"Sum of the amounts of {_who} in the last {_window} (same currency, minor units), this one included"
        )

WINDOWS = ("1h", "24h", "30d")


@dataclass(frozen=True)
class Windows:
    """Counts and sums over 1 h / 24 h / 30 d for one party, before the current transaction."""

    count: dict[str, int]
    sum_minor: dict[str, int]
    near_limit_24h: int = 0

    @classmethod
    def empty(cls) -> Windows:
        return cls(dict.fromkeys(WINDOWS, 0), dict.fromkeys(WINDOWS, 0))


def is_near_limit(amount_minor: int) -> bool:
    limit = int(conf.get("FRAUD_STRUCTURING_LIMIT_MINOR"))
    margin = limit * int(conf.get("FRAUD_STRUCTURING_MARGIN_PERCENT")) // 100
    return limit - margin <= amount_minor < limit


def _days(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, (now - since).days)


def build(
    *,
    txn: ProposedTransaction,
    at: datetime,
    customer: Windows,
    counterparty: Windows,
    first_to_country: bool,
) -> dict[str, Any]:
    """Every catalogue feature of ``txn`` (windows include the transaction itself)."""
    amount = txn.amount.minor
    near = is_near_limit(amount)
    local = at.astimezone(ZoneInfo(settings.TIME_ZONE))
    night_start, night_end = conf.get("FRAUD_NIGHT_HOURS")
    country = txn.counterparty_country.upper() or None
    features: dict[str, Any] = {
        "amount_minor": amount,
        "currency": txn.amount.currency,
        "channel": txn.channel,
        "direction": txn.direction,
        "counterparty_country": country,
        "high_risk_country": country in set(conf.get("FRAUD_HIGH_RISK_COUNTRIES")) if country else False,
        "first_payment_to_country": first_to_country,
        "new_counterparty": bool(txn.counterparty_key) and counterparty.count["30d"] == 0,
        "beneficiary_age_days": _days(txn.beneficiary_created_at, at),
        "account_age_days": _days(txn.account_opened_at, at),
        "near_limit": near,
        "near_limit_count_24h": customer.near_limit_24h + int(near),
        "hour": local.hour,
        "is_night": night_start <= local.hour < night_end,
        "kyc_tier": txn.kyc_tier or None,
        "risk_rating": txn.risk_rating or None,
        "customer_kind": txn.customer_kind or None,
    }
    for scope, windows in (("customer", customer), ("counterparty", counterparty)):
        known = scope == "customer" or bool(txn.counterparty_key)
        for window in WINDOWS:
            features[f"{scope}_count_{window}"] = windows.count[window] + 1 if known else None
            features[f"{scope}_sum_{window}_minor"] = windows.sum_minor[window] + amount if known else None
    return features
