"""The starter rule set: loaded as active by demo data and used by tests and the benchmark.

Scores add up; FRAUD_REVIEW_SCORE (50) holds a payment for review, FRAUD_BLOCK_SCORE (100) refuses it.
"""

from __future__ import annotations

# (code, condition, score, description)
DEFAULT_RULES: list[tuple[str, str, int, str]] = [
    (
        "large-amount",
        "amount_minor >= 500000",
        20,
        "Large payment (5,000 or more)",
    ),
    (
        "very-large-new-account",
        "amount_minor >= 1000000 and account_age_days < 30",
        40,
        "Very large payment from an account opened less than 30 days ago",
    ),
    (
        "new-beneficiary-large",
        "beneficiary_age_days < 1 and amount_minor >= 200000",
        30,
        "Large payment to a beneficiary added today",
    ),
    # A business pays suppliers and payroll in runs: bursts and volumes that are a consumer's
    # red flags are its ordinary day, so it has its own, higher, volume rule.
    (
        "burst-1h",
        "customer_count_1h >= 5 and customer_kind != 'business'",
        30,
        "Five or more payments within an hour",
    ),
    (
        "daily-volume",
        "customer_sum_24h_minor >= 2000000 and customer_kind != 'business'",
        25,
        "More than 20,000 paid out in 24 hours",
    ),
    (
        "business-daily-volume",
        "customer_sum_24h_minor >= 100000000 and customer_kind == 'business'",
        25,
        "A business paid out more than 1,000,000 in 24 hours",
    ),
    (
        "monthly-volume-high-risk-customer",
        "customer_sum_30d_minor >= 5000000 and risk_rating == 'high'",
        30,
        "High-risk customer moved more than 50,000 in 30 days",
    ),
    (
        "counterparty-fan-in",
        "counterparty_count_24h >= 10",
        25,
        "The receiving party got ten or more payments in 24 hours",
    ),
    (
        "high-risk-country",
        "high_risk_country",
        40,
        "Payment to a high-risk jurisdiction",
    ),
    (
        "first-country-large",
        "first_payment_to_country and amount_minor >= 300000",
        15,
        "First payment ever to this country, and a large one",
    ),
    (
        "structuring",
        "near_limit_count_24h >= 3",
        60,
        "Several payments just under the reporting limit within 24 hours (structuring)",
    ),
    (
        "night-large",
        "is_night and amount_minor >= 100000",
        15,
        "Payment of 1,000 or more at night",
    ),
    (
        "low-kyc-tier-large",
        "kyc_tier in ['basic', 'tier0', 'tier1'] and amount_minor >= 150000",
        25,
        "Large payment for the customer's KYC tier",
    ),
]
