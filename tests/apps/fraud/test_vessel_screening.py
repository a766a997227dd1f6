"""A vessel screened by name and IMO number through ``apps.fraud.interface.screen_name``, on the real list."""

from __future__ import annotations

import pytest

from apps.fraud import conf, interface

pytestmark = pytest.mark.django_db

ARTAVIL = 15036  # IMO 9187629
ARK = 15037  # IMO 9187655


def hits(name: str, **identifiers: str) -> dict[int, interface.SanctionsMatch]:
    return {m.source_id: m for m in interface.screen_name(name, **identifiers)}


def test_the_name_and_its_number_agree(ofac: None) -> None:
    both = hits("Artavil", kind="vessel", imo="IMO 9187629")[ARTAVIL]
    assert both.score == 1.0
    assert "IMO 9187629 agrees" in both.why


def test_a_renamed_vessel_is_found_by_its_number_alone(ofac: None) -> None:
    assert ARTAVIL not in hits("Sea Breeze", kind="vessel")
    found = hits("Sea Breeze", kind="vessel", imo="9187629")
    assert list(found) == [ARTAVIL]
    assert "IMO 9187629 is this vessel's" in found[ARTAVIL].why


def test_another_number_clears_the_name_and_finds_its_own_vessel(ofac: None) -> None:
    assert ARTAVIL in hits("Artavil", kind="vessel")
    other = hits("Artavil", kind="vessel", imo="9187655")
    assert ARTAVIL not in other
    assert ARK in other


def test_a_number_the_list_does_not_know_cannot_clear_the_name(ofac: None) -> None:
    # 9074729 has a valid check digit and is no listed vessel's: typing it must not hide ARTAVIL.
    kept = hits("Artavil", kind="vessel", imo="9074729")[ARTAVIL]
    assert kept.score == float(conf.get("SANCTIONS_MATCH_THRESHOLD"))
    assert "IMO 9074729 is no listed vessel's" in kept.why


def test_a_person_is_not_a_vessel_whatever_the_number(ofac: None) -> None:
    assert hits("Sea Breeze", kind="individual", imo="9187629") == {}


def test_a_number_that_is_no_imo_number_is_refused(ofac: None) -> None:
    with pytest.raises(interface.ScreeningInputInvalid) as refused:
        interface.screen_name("Artavil", imo="9187628")
    assert (refused.value.code, refused.value.field) == ("imo_invalid", "imo")
