"""Partner API shapes of sanctions screening (``screening/names/``)."""

from __future__ import annotations

import unicodedata
from typing import Any

from rest_framework import serializers

from apps.fraud.ofac import imo_parse
from apps.fraud.types import SanctionsMatch
from bankcore.api.fields import StrictSerializer

NAME_MAX_LENGTH = 200
# The API's words for a party, as a partner's own records name them → the screening's.
KINDS = {"person": "individual", "organisation": "entity", "vessel": "vessel", "aircraft": "aircraft"}


def _printable(value: str) -> None:
    # Control and lone surrogate characters are no part of any name: refused, never screened.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise serializers.ValidationError("Control characters are not allowed in a name.", code="invalid_name")


class _TextField(serializers.CharField):
    """A JSON string only: a number or a list is a mistake worth refusing, not a name to coerce."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        # The limit holds for the string as sent, as the schema's maxLength says, not only once trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class _WholeNumberField(serializers.IntegerField):
    """A JSON integer only: "1951" or true are not years."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ScreeningInput(StrictSerializer):
    name = _TextField(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        trim_whitespace=True,
        validators=[_printable],
        help_text="The name to screen, as written: at most 200 characters, not blank.",
    )
    kind = serializers.ChoiceField(
        choices=sorted(KINDS), required=False, help_text="Keep only listed entries of this kind."
    )
    birth_year = _WholeNumberField(
        min_value=1900, max_value=2100, required=False, help_text="A person's year of birth, if known."
    )
    country = serializers.RegexField(
        r"^[A-Z]{2}$",
        required=False,
        help_text="ISO 3166 alpha-2 country of the party (nationality, residence or registration).",
    )
    imo = _TextField(
        required=False,
        max_length=12,
        help_text="A vessel's IMO number (`IMO 9187629` or its seven digits): a listed vessel with that "
        "number is a hit whatever its name; a listed vessel of that name is cleared only by another listed "
        "vessel's number.",
    )

    def validate_imo(self, value: str) -> str:
        number = imo_parse(value)
        if number is None:
            raise serializers.ValidationError(
                "Not an IMO number: seven digits, the last a check digit.", code="imo_invalid"
            )
        return number

    def screening_arguments(self) -> dict[str, Any]:
        """The validated body as ``apps.fraud.interface.screen_name`` takes it."""
        data: dict[str, Any] = self.validated_data
        kind = data.get("kind")
        return {
            "name": data["name"],
            "kind": KINDS[kind] if kind else None,
            "birth_year": data.get("birth_year"),
            "country": data.get("country"),
            "imo": data.get("imo"),
        }


class ScreeningHitOutput(serializers.Serializer[Any]):
    list = serializers.CharField(help_text="The sanctions list: `ofac` (the US OFAC SDN list).")
    entry_id = serializers.CharField(help_text="The entry's id in that list (OFAC's ent_num).")
    name = serializers.CharField(help_text="The entry's listed name.")
    score = serializers.CharField(help_text="How alike, 0.00 to 1.00, as a decimal string.")
    why = serializers.CharField(
        help_text="Which words paired, how closely, and what birth year, country or IMO number said."
    )


class ScreeningOutput(serializers.Serializer[Any]):
    hits = ScreeningHitOutput(many=True, help_text="Entries at or above the threshold, best first; empty: no hit.")
    threshold = serializers.CharField(help_text="The score from which an entry counts as a hit.")
    screened_at = serializers.DateTimeField()


def score_text(score: float) -> str:
    return f"{score:.2f}"


def hit_out(match: SanctionsMatch) -> dict[str, Any]:
    # The list's public fields only: the program and alias details stay in the analysts' view.
    return {
        "list": match.source,
        "entry_id": str(match.source_id),
        "name": match.listed_name,
        "score": score_text(match.score),
        "why": match.why,
    }
