"""Names as people read them: NFKC-normalised, with no bidi controls that make the screen lie."""

from __future__ import annotations

import pytest

from bankcore.text import NameRefused, name_clean, name_for_screening

BIDI_CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("control", BIDI_CONTROLS)
def test_every_bidi_control_is_refused(control: str) -> None:
    with pytest.raises(NameRefused) as refused:
        name_clean(f"Vladimir{control} Putin")
    assert refused.value.code == "bidi_control"


def test_a_reversed_name_that_reads_as_another_is_refused() -> None:
    # Displays as "Nitup Rimidalv"... or worse, as a listed name the matcher never saw.
    with pytest.raises(NameRefused):
        name_clean("\u202enituP rimidalV")


def test_persian_zero_width_non_joiner_is_kept() -> None:
    # "Mehrnaz Khosravi-zadeh" style names need U+200C between letters that must not join.
    name = "\u0645\u06cc\u200c\u0646\u0627"
    assert name_clean(name) == name


def test_compatibility_forms_become_their_plain_letters() -> None:
    assert name_clean("\uff21\uff43\uff4d\uff45 \ufb01nance") == "Acme finance"  # fullwidth + ligature fi


def test_controls_and_surrounding_space_are_refused_or_trimmed() -> None:
    assert name_clean("  Ada   Lovelace ") == "Ada Lovelace"
    with pytest.raises(NameRefused) as refused:
        name_clean("Ada\x00Lovelace")
    assert refused.value.code == "control_character"
    with pytest.raises(NameRefused):
        name_clean("Ada\u200bLovelace")  # zero-width space hides a word break from the eye


def test_screening_form_drops_what_display_would_hide() -> None:
    # Screening never raises (a payment path must not fail open): it screens what a reader sees.
    assert name_for_screening("Vladimir\u202e Putin") == "Vladimir Putin"
    assert name_for_screening("\uff30utin") == "Putin"
    assert name_for_screening("\u0645\u06cc\u200c\u0646\u0627") == "\u0645\u06cc\u200c\u0646\u0627"


class TestEveryDoorCleansNames:
    """The rule at each place a name enters the bank, tried with the deceptive name itself."""

    def test_profile_form_refuses_a_bidi_name_with_a_message(self) -> None:
        from bankcore.users.forms import ProfileForm

        form = ProfileForm(data={"full_name": "\u202enituP rimidalV"})
        assert not form.is_valid()
        assert "direction control" in form.errors["full_name"][0]

    @pytest.mark.django_db
    def test_profile_service_stores_the_normal_form(self) -> None:
        from bankcore.users import services
        from bankcore.users.models import User

        user = User.objects.create_user(email="ada@example.com", password="x")
        services.user_profile_update(user_id=user.pk, full_name="\uff21da  Lovelace")
        user.refresh_from_db()
        assert user.full_name == "Ada Lovelace"

    @pytest.mark.django_db
    def test_partner_names_are_cleaned_and_bidi_ones_refused(self) -> None:
        from bankcore.api import services

        with pytest.raises(services.PartnerRefused) as refused:
            services.partner_create(name="Acme\u202e yaP", scopes=["accounts:read"])
        assert refused.value.code == "bidi_control"
        created = services.partner_create(name="\uff21cme  Pay", scopes=["accounts:read"])
        from oauth2_provider.models import Application

        assert Application.objects.get(client_id=created.client_id).name == "Acme Pay"

    @pytest.mark.django_db
    def test_screening_records_what_it_screened(self, now: object) -> None:
        # What the analyst is shown (the stored subject) is exactly the string that was matched.
        from apps.fraud import interface
        from apps.fraud.models import ScreenedSubject

        subject_id = interface.counterparty_screen(
            payment_ref="payment:1", customer_id=1, name="Vladimir\u202e\u2066 \uff30utin", now=now
        )
        assert ScreenedSubject.objects.get(pk=subject_id).name == "Vladimir Putin"

    def test_api_name_field_refuses_bidi_and_normalises(self) -> None:
        from bankcore.api.fields import NameField

        field = NameField()
        assert field.run_validation("\uff21cme  Pay") == "Acme Pay"
        from rest_framework.exceptions import ValidationError

        with pytest.raises(ValidationError):
            field.run_validation("Acme\u2067 Pay")
