"""The three tiers and their starting limits (EUR cents); administrators edit them afterwards.

Plain data, read by the data migration and by ``tiers_defaults_ensure`` (which restores what a
flushed test database or a fresh install lacks, never overwriting an administrator's edit).

Tier 1 follows the e-money CDD exemption of AMLD art. 12 (Directive (EU) 2015/849 as amended):
at most 150 EUR held, 150 EUR of payments a month in all, and cash-out or remote payments of at
most 50 EUR each. Tier 2 is set per risk rating: the higher the risk, the lower the ceilings.
"""

from __future__ import annotations

# (level, name, description, moves money)
TIERS: list[tuple[int, str, str, bool]] = [
    (0, "Registered", "You have an account with us. Verify your identity to move money.", False),
    (1, "Basic", "Basic limits: up to 150 EUR held, 150 EUR of payments a month, 50 EUR a payment.", True),
    (2, "Verified", "Your identity is verified: full limits apply.", True),
]

E = 100  # cents per euro

# (tier, rating, kind, per transaction, per day, per month, held); None is no ceiling
LIMITS: list[tuple[int, str, str, int | None, int | None, int | None, int | None]] = [
    (1, "", "payment_out", 50 * E, None, None, None),
    (1, "", "wallet_out", 50 * E, None, None, None),
    (1, "", "cash_out", 50 * E, None, None, None),
    (1, "", "any_out", None, None, 150 * E, None),
    (1, "", "wallet_balance", None, None, None, 150 * E),
]
for _rating, _scale in (("low", 10), ("medium", 5), ("high", 2)):
    LIMITS += [
        (2, _rating, "payment_out", 5_000 * _scale * E, 10_000 * _scale * E, 25_000 * _scale * E, None),
        (2, _rating, "wallet_out", 500 * _scale * E, 1_000 * _scale * E, 2_500 * _scale * E, None),
        (2, _rating, "cash_out", 100 * _scale * E, 200 * _scale * E, 1_000 * _scale * E, None),
        (2, _rating, "wallet_balance", None, None, None, 2_500 * _scale * E),
    ]


def ensure(tier_model: type, limit_model: type) -> int:
    """Create the missing tiers and limits with these models (live or historical); returns how many."""
    created = 0
    for level, name, description, moves_money in TIERS:
        _, new = tier_model.objects.get_or_create(  # type: ignore[attr-defined]
            level=level, defaults={"name": name, "description": description, "moves_money": moves_money}
        )
        created += new
    for tier, rating, kind, each, day, month, held in LIMITS:
        _, new = limit_model.objects.get_or_create(  # type: ignore[attr-defined]
            tier_id=tier,
            risk_rating=rating,
            kind=kind,
            defaults={
                "per_transaction_minor": each,
                "per_day_minor": day,
                "per_month_minor": month,
                "held_minor": held,
            },
        )
        created += new
    return created
