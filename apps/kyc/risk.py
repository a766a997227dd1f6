"""The customer risk rating: a pure function of documented factors (no database, no clock).

``risk_rate(factors)`` adds points per factor and returns the rating with every reason that
counted, so an officer (and an auditor) sees why. Some factors force HIGH whatever the points:
a comprehensively sanctioned or FATF "call for action" country, a possible sanctions match, a
politically exposed person (AMLD art. 18-20: enhanced due diligence is mandatory for them).

Points: 0-1 LOW, 2-3 MEDIUM, 4 and more HIGH. See docs/KYC.md for the table.

The country and occupation lists are data: update them when their source changes (and note the
date here). They are deliberately small and conservative: they make a rating, never a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

# Comprehensively sanctioned jurisdictions (OFAC country-based programmes: Cuba, Iran, North
# Korea, Syria; https://ofac.treasury.gov/sanctions-programs-and-country-information), together
# with the FATF "High-Risk Jurisdictions subject to a Call for Action" (North Korea, Iran,
# Myanmar; FATF public statement, June 2025). Forces HIGH.
SANCTIONED_COUNTRIES: frozenset[str] = frozenset({"CU", "IR", "KP", "SY", "MM"})

# FATF "Jurisdictions under Increased Monitoring" (the grey list), June 2025
# (https://www.fatf-gafi.org/en/countries/black-and-grey-lists.html). +3 points.
HIGH_RISK_COUNTRIES: frozenset[str] = frozenset(
    {
        "DZ", "AO", "BO", "BG", "BF", "CM", "CI", "CD", "HT", "KE", "LA", "LB", "MC", "MZ",
        "NA", "NP", "NG", "ZA", "SS", "VE", "VN", "VG", "YE",
    }
)  # fmt: skip

# Occupations the EBA ML/TF risk factor guidelines (EBA/GL/2021/02, §4.13-4.20) name as
# cash-intensive or otherwise higher risk: +2 points each.
HIGH_RISK_OCCUPATIONS: frozenset[str] = frozenset(
    {"cash_intensive", "money_services", "gambling", "crypto_assets", "precious_goods", "arms_defence"}
)
# Occupations with a moderate exposure (large one-off amounts, company control): +1 point.
MEDIUM_RISK_OCCUPATIONS: frozenset[str] = frozenset({"real_estate", "company_director"})

# Declared monthly volume bands in EUR cents: (at least, points, label).
VOLUME_BANDS: tuple[tuple[int, int, str], ...] = (
    (50_000_00, 3, "over 50,000 EUR a month"),
    (10_000_00, 2, "over 10,000 EUR a month"),
    (2_000_00, 1, "over 2,000 EUR a month"),
)

MEDIUM_FROM = 2
HIGH_FROM = 4


@dataclass(frozen=True)
class RiskFactors:
    """What the rating reads; every country is ISO 3166-1 alpha-2 (empty when unknown)."""

    is_business: bool = False
    countries: tuple[str, ...] = ()  # nationality, residence, tax residence, company country, owners'
    pep: bool = False
    screening_hits: int = 0  # possible sanctions matches, customer and owners together
    occupation: str = ""
    expected_monthly_volume_minor: int = 0


@dataclass(frozen=True)
class RiskReason:
    code: str
    points: int  # 0 for a factor that forces HIGH on its own (``forces_high``)
    text: str
    forces_high: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "points": self.points, "text": self.text, "forces_high": self.forces_high}


@dataclass(frozen=True)
class RiskResult:
    rating: str  # "low" | "medium" | "high"
    points: int
    reasons: tuple[RiskReason, ...]


def risk_rate(factors: RiskFactors) -> RiskResult:
    """Rate ``factors``: LOW, MEDIUM or HIGH, with each factor that counted as a reason."""
    reasons: list[RiskReason] = []
    countries = sorted({c.upper() for c in factors.countries if c})
    sanctioned = [c for c in countries if c in SANCTIONED_COUNTRIES]
    if sanctioned:
        reasons.append(
            RiskReason(
                "sanctioned_country", 0, f"sanctioned or FATF call-for-action country: {', '.join(sanctioned)}", True
            )
        )
    grey = [c for c in countries if c in HIGH_RISK_COUNTRIES]
    if grey:
        reasons.append(RiskReason("high_risk_country", 3, f"FATF increased-monitoring country: {', '.join(grey)}"))
    if factors.screening_hits:
        reasons.append(
            RiskReason("screening_hit", 0, f"{factors.screening_hits} possible sanctions match(es) to clear", True)
        )
    if factors.pep:
        reasons.append(RiskReason("pep", 0, "politically exposed person (self-declared)", True))
    if factors.occupation in HIGH_RISK_OCCUPATIONS:
        reasons.append(RiskReason("high_risk_occupation", 2, f"higher-risk occupation: {factors.occupation}"))
    elif factors.occupation in MEDIUM_RISK_OCCUPATIONS:
        reasons.append(
            RiskReason("medium_risk_occupation", 1, f"occupation with moderate exposure: {factors.occupation}")
        )
    for floor, points, label in VOLUME_BANDS:
        if factors.expected_monthly_volume_minor > floor:
            reasons.append(RiskReason("expected_volume", points, f"expected volume {label}"))
            break
    if factors.is_business:
        reasons.append(RiskReason("business", 1, "business customer (ownership and control to verify)"))
    points = sum(r.points for r in reasons)
    if any(r.forces_high for r in reasons) or points >= HIGH_FROM:
        rating = "high"
    elif points >= MEDIUM_FROM:
        rating = "medium"
    else:
        rating = "low"
    return RiskResult(rating=rating, points=points, reasons=tuple(reasons))
