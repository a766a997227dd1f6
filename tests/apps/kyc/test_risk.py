"""The risk rating: every factor on its own, their sum, and the factors that force HIGH (no database)."""

from __future__ import annotations

import pytest

from apps.kyc.risk import (
    HIGH_RISK_COUNTRIES,
    HIGH_RISK_OCCUPATIONS,
    SANCTIONED_COUNTRIES,
    RiskFactors,
    risk_rate,
)


def codes(factors: RiskFactors) -> list[str]:
    return [reason.code for reason in risk_rate(factors).reasons]


def test_a_plain_resident_is_low_with_no_reason() -> None:
    result = risk_rate(RiskFactors(countries=("DE",), occupation="employee", expected_monthly_volume_minor=150_000))
    assert (result.rating, result.points, result.reasons) == ("low", 0, ())


@pytest.mark.parametrize("country", sorted(SANCTIONED_COUNTRIES))
def test_a_sanctioned_country_forces_high(country: str) -> None:
    result = risk_rate(RiskFactors(countries=("DE", country.lower())))
    assert result.rating == "high"
    assert codes(RiskFactors(countries=(country,))) == ["sanctioned_country"]
    assert country in result.reasons[0].text


def test_a_grey_list_country_is_three_points_medium_alone() -> None:
    country = sorted(HIGH_RISK_COUNTRIES)[0]
    result = risk_rate(RiskFactors(countries=(country,)))
    assert (result.rating, result.points, codes(RiskFactors(countries=(country,)))) == (
        "medium",
        3,
        ["high_risk_country"],
    )


def test_a_screening_hit_forces_high() -> None:
    result = risk_rate(RiskFactors(countries=("DE",), screening_hits=1))
    assert result.rating == "high"
    assert [r.code for r in result.reasons] == ["screening_hit"]
    assert result.reasons[0].forces_high


def test_a_pep_forces_high() -> None:
    assert risk_rate(RiskFactors(pep=True)).rating == "high"
    assert codes(RiskFactors(pep=True)) == ["pep"]


@pytest.mark.parametrize("occupation", sorted(HIGH_RISK_OCCUPATIONS))
def test_a_higher_risk_occupation_is_two_points(occupation: str) -> None:
    result = risk_rate(RiskFactors(occupation=occupation))
    assert (result.rating, result.points) == ("medium", 2)


@pytest.mark.parametrize("occupation", ["real_estate", "company_director"])
def test_a_moderate_occupation_is_one_point(occupation: str) -> None:
    result = risk_rate(RiskFactors(occupation=occupation))
    assert (result.rating, result.points) == ("low", 1)


@pytest.mark.parametrize(
    ("volume_minor", "points"),
    [(2_000_00, 0), (2_000_01, 1), (10_000_00, 1), (10_000_01, 2), (50_000_00, 2), (50_000_01, 3)],
)
def test_expected_volume_bands_at_their_exact_edges(volume_minor: int, points: int) -> None:
    assert risk_rate(RiskFactors(expected_monthly_volume_minor=volume_minor)).points == points


def test_a_business_is_one_point() -> None:
    assert risk_rate(RiskFactors(is_business=True)).points == 1
    assert codes(RiskFactors(is_business=True)) == ["business"]


def test_points_add_up_to_high_at_four() -> None:
    three = RiskFactors(is_business=True, occupation="gambling")  # 1 + 2
    assert (risk_rate(three).points, risk_rate(three).rating) == (3, "medium")
    four = RiskFactors(is_business=True, occupation="gambling", expected_monthly_volume_minor=2_000_01)
    assert (risk_rate(four).points, risk_rate(four).rating) == (4, "high")
    assert codes(four) == ["high_risk_occupation", "expected_volume", "business"]


def test_reasons_are_stored_as_plain_dicts() -> None:
    (reason,) = risk_rate(RiskFactors(pep=True)).reasons
    assert reason.as_dict() == {
        "code": "pep", "points": 0, "text": "politically exposed person (self-declared)", "forces_high": True,
    }  # fmt: skip
